import { z } from 'zod';
import { eligibleReceiver } from './actions/guards';
import { Role, type Principal } from './principal';
import type { Task } from './task';

/** One person in `GET /api/colleagues?unit=…` (docs/HANDOFFS.md HO10): no patient data, ever. */
export const Colleague = z.object({
  id: z.string().min(1),
  name: z.string(),
  roles: z.array(Role),
  units: z.array(z.string()),
  /** A live connection now, or a request to the relay within the last 12 hours. */
  onShift: z.boolean(),
  /** Open tasks this person owns, on any unit. */
  openCount: z.number().int().min(0),
});
export type Colleague = z.infer<typeof Colleague>;

export const ColleaguesResponse = z.object({ unit: z.string(), colleagues: z.array(Colleague) });
export type ColleaguesResponse = z.infer<typeof ColleaguesResponse>;

/**
 * Whether the picker may offer this colleague for this task (a reassignment or a handover): the
 * same rule the relay applies on `execute` (HO2), so the picker never offers someone it would refuse.
 */
export function mayReceive(
  task: Task,
  colleague: Pick<Colleague, 'id' | 'name' | 'roles' | 'units'>,
): boolean {
  return eligibleReceiver(task, principalOfColleague(colleague));
}

/** A colleague as `decide` needs them (for the optimistic view of a reassignment or an offer). */
export function principalOfColleague(
  colleague: Pick<Colleague, 'id' | 'name' | 'roles' | 'units'>,
): Principal {
  return {
    id: colleague.id,
    name: colleague.name,
    roles: colleague.roles,
    units: colleague.units,
    tenantId: '',
  };
}
