import type { Principal } from '../principal';
import { reject, type Rejection } from '../results';
import type { Task } from '../task';
import { leads, mayWork, visibleTo } from '../visibility';
import { clock, who } from '../wording';
import type { ActionContext } from './action';

/**
 * The precondition shared by actions on someone's work: the caller owns it, leads the unit's work, or
 * (when nobody owns it) may work it. `undefined` means allowed.
 */
export function mustOwnOrLead(
  task: Task,
  actor: Principal,
  ctx: ActionContext,
  verb: string,
): Rejection | undefined {
  if (task.owner?.id === actor.id || leads(task, actor)) return undefined;
  if (task.owner) {
    return reject(
      'conflict',
      `Claimed by ${who(task.owner)} at ${clock(task.claimedAt, ctx.timeZone)}: only they or the unit's lead can ${verb} it.`,
    );
  }
  if (!mayWork(task, actor)) return notYourRole(task, verb);
  return undefined;
}

export function notYourRole(task: Task, verb: string): Rejection {
  return reject(
    'forbidden',
    `This task is routed to ${task.candidateRoles.map(roleWords).join(' or ')}: you can't ${verb} it.`,
  );
}

export function roleWords(role: string): string {
  switch (role) {
    case 'ChargeNurse':
      return 'charge nurses';
    case 'Nurse':
      return 'nurses';
    case 'Coordinator':
      return 'care coordinators';
    case 'Supervisor':
      return 'house supervisors';
    default:
      return role;
  }
}

/**
 * The sentence for acting on work that has meanwhile become someone else's (or nobody's): it names
 * the current owner, so a replayed offline action says what happened instead of a bare "conflict".
 */
export function nowHeldBy(task: Task, ctx: ActionContext): Rejection {
  if (!task.owner) return reject('conflict', 'This task is back in the unit queue: nobody holds it now.');
  return reject(
    'conflict',
    `This task is now held by ${who(task.owner)} (since ${clock(task.claimedAt, ctx.timeZone)}).`,
  );
}

/** The person a handover or reassignment names may work this task on its own merits (not as owner). */
export function eligibleReceiver(task: Task, receiver: Principal): boolean {
  return visibleTo({ ...task, owner: null }, receiver);
}
