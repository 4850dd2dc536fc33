import type { Colleague, Principal, Task } from '../../domain';
import { mayGiveTo } from '../task/available-actions';

/** The colleague as `decide` needs her as `assignee`; the tenant is the caller's own. */
function asPrincipal(colleague: Colleague, me: Principal): Principal {
  return {
    id: colleague.id,
    tenantId: me.tenantId,
    name: colleague.name,
    roles: colleague.roles,
    units: colleague.units,
  };
}

/**
 * Who may receive every one of these tasks through `type`, by the same `decide` the relay runs: never
 * me, never someone of another unit or a role the work is not routed to. On shift first, then the
 * lightest load, then by name, so the likeliest choice is at the top of a long list.
 */
export function eligibleFor(
  colleagues: readonly Colleague[],
  tasks: readonly Task[],
  type: 'reassign' | 'handover.offer',
  me: Principal,
  nowIso: string,
): Colleague[] {
  return colleagues
    .filter((c) => c.id !== me.id)
    .filter((c) => {
      const principal = asPrincipal(c, me);
      return tasks.every((task) => mayGiveTo(task, type, principal, me, nowIso));
    })
    .sort(
      (a, b) =>
        Number(b.onShift) - Number(a.onShift) || a.openCount - b.openCount || a.name.localeCompare(b.name),
    );
}
