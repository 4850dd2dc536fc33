import { hasRole, isMemberOf, type Colleague, type Principal, type Role } from '../../../src/domain';
import type { RequestGuard, StaffDirectory } from '../auth';
import { sendError } from '../http/errors';
import { sendJson } from '../http/json';
import type { Router } from '../http/router';
import type { WorklistStore } from '../store/worklist-store';
import type { Presence } from './presence';

/** Roles that carry patient work: the only people a picker may offer, and the only ones who may ask. */
const CLINICAL: readonly Role[] = ['Nurse', 'ChargeNurse', 'Coordinator', 'Supervisor'];
const UNIT = /^[A-Za-z0-9_-]{1,40}$/;

export interface ColleaguesRouteDeps {
  guard: RequestGuard;
  directory: StaffDirectory;
  store: WorklistStore;
  presence: Presence;
  /** Who has a hub connection open now, as `tenantId + id` pairs. */
  live: () => Iterable<Principal>;
}

/**
 * `GET /api/colleagues?unit=4W` (docs/HANDOFFS.md HO10): the people on one unit, for the reassign
 * and handover pickers — ids, names, roles, units, on shift, open load. Never patient data; only for
 * clinical staff of that unit, so a 5E nurse cannot list 4W's people and an admin gets no worklist view.
 */
export function registerColleaguesRoute(router: Router, deps: ColleaguesRouteDeps): void {
  router.get('/api/colleagues', async (req, res) => {
    const principal = await deps.guard(req, res, 'worklist.connect');
    if (!principal) return;
    const unit = new URL(req.url ?? '/', 'http://relay.invalid').searchParams.get('unit') ?? '';
    if (!UNIT.test(unit)) {
      return sendError(res, 'invalid', 'Say which unit: /api/colleagues?unit=4W (letters, digits, - or _).');
    }
    if (!hasRole(principal, ...CLINICAL)) {
      return sendError(res, 'forbidden', 'Only ward staff may list the people on a unit.');
    }
    if (!isMemberOf(principal, unit)) {
      return sendError(res, 'forbidden', `You do not work on ${unit}, so you cannot list its people.`);
    }
    const liveIds = new Set<string>();
    for (const p of deps.live()) if (p.tenantId === principal.tenantId) liveIds.add(p.id);
    const people = (await deps.directory.list(principal.tenantId)).filter(
      (entry) => entry.units.includes(unit) && entry.roles.some((r) => CLINICAL.includes(r)),
    );
    const open = await deps.store.openCountsByOwner(people.map((p) => p.objectId));
    const colleagues: Colleague[] = people.map((entry) => ({
      id: entry.objectId,
      name: entry.name,
      roles: entry.roles.filter((r) => CLINICAL.includes(r)),
      units: entry.units,
      onShift: deps.presence.onShift(entry.tenantId, entry.objectId, liveIds.has(entry.objectId)),
      openCount: open.get(entry.objectId) ?? 0,
    }));
    sendJson(res, 200, { unit, colleagues });
  });
}
