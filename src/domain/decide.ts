import { ACTIONS, type ActionContext, type Applied } from './actions';
import { unchanged } from './actions/action';
import { explainIssues } from './events';
import type { Command } from './commands';
import type { Principal } from './principal';
import { reject, type Rejection } from './results';
import { isClosed, type Task } from './task';
import { visibleTo } from './visibility';
import { clock, who } from './wording';

export type Decision = Applied | Rejection;

export interface DecideOptions {
  timeZone?: string;
  assignee?: Principal | null;
}

/**
 * The one decision function for staff actions, run by the relay for real and by the PWA for the
 * optimistic view. Pure: same inputs, same answer. Idempotency by `commandId` (the `duplicate` result)
 * is the store's job, because only it knows which commands were seen.
 *
 * Order of checks, each a sentence a nurse can act on: the task exists → the caller may see it → the
 * payload is well formed → the task is still open → the action's own preconditions.
 */
export function decide(
  task: Task | null | undefined,
  command: Pick<Command, 'type' | 'payload'>,
  actor: Principal,
  now: string,
  options: DecideOptions = {},
): Decision {
  if (!task || !visibleTo(task, actor)) return reject('not-found', NOT_ON_WORKLIST);
  const action = ACTIONS[command.type] as (typeof ACTIONS)[keyof typeof ACTIONS] | undefined;
  if (!action) return reject('invalid', `"${String(command.type)}" is not an action Wardline knows.`);
  const payload = action.payload.safeParse(command.payload);
  if (!payload.success) {
    return reject(
      'invalid',
      `The action's details are not right: ${explainIssues(payload.error.issues, 'payload')}`,
    );
  }
  const ctx: ActionContext = { now, timeZone: options.timeZone ?? 'UTC', assignee: options.assignee ?? null };
  if (isClosed(task) && !action.allowedWhenClosed) {
    // A second tap of what closed the task is harmless; anything else on a closed task is refused.
    return action.repeatsClosing?.(task, payload.data, actor) ? unchanged(task) : closedRejection(task, ctx);
  }

  const outcome = action.apply(task, payload.data, actor, ctx);
  if (outcome.status === 'rejected' || outcome.change === null) return outcome;
  return { ...outcome, task: { ...outcome.task, version: task.version + 1, updatedAt: now } };
}

/**
 * One sentence, one code, whether the task is gone, another unit's or another role's: a different
 * answer would tell a caller which task ids exist elsewhere in the hospital (docs/SECURITY.md N7).
 */
const NOT_ON_WORKLIST = 'This task is no longer on the worklist.';

function closedRejection(task: Task, ctx: ActionContext): Rejection {
  if (task.status === 'completed' && task.resolution) {
    return reject(
      'closed',
      `Already resolved by ${who(task.resolution.by)} at ${clock(task.resolution.at, ctx.timeZone)}.`,
    );
  }
  if (task.status === 'cancelled')
    return reject('closed', 'This task was withdrawn upstream; nothing more to do.');
  return reject('closed', 'This task is closed.');
}
