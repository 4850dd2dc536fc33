import type { Principal } from '../principal';
import { reject, type Rejection } from '../results';
import type { Task } from '../task';
import { clock, who } from '../wording';
import type { ActionContext } from './action';
import { nowHeldBy } from './guards';

/**
 * Why someone cannot answer this offer, as a sentence: it went to a colleague, it was withdrawn, or
 * the work has meanwhile changed hands (reassigned by the charge nurse, released to the queue).
 */
export function handoverNotYours(task: Task, actor: Principal, ctx: ActionContext, verb: string): Rejection {
  const pending = task.handover;
  if (pending) {
    return reject(
      'forbidden',
      `This task is being handed to ${who(pending.to)}, not to you: only they can ${verb} it.`,
    );
  }
  if (task.owner && task.owner.id !== actor.id) {
    const declined = task.handoverDeclined;
    if (declined?.by.id === actor.id) {
      return reject(
        'conflict',
        `You declined this handover at ${clock(declined.at, ctx.timeZone)}; it stays with ${who(task.owner)}.`,
      );
    }
    return nowHeldBy(task, ctx);
  }
  if (!task.owner) return nowHeldBy(task, ctx);
  return reject('conflict', 'There is no handover of this task waiting for you.');
}
