import { reject } from '../results';
import { mayWork } from '../visibility';
import { clock, who } from '../wording';
import { defineAction, staffRef, unchanged } from './action';
import { notYourRole } from './guards';
import { EmptyPayload } from './payloads';

/** Begin (or resume after a hold). Starting unclaimed work claims it for the caller. */
export const start = defineAction({
  type: 'start',
  payload: EmptyPayload,
  apply(task, _payload, actor, ctx) {
    if (task.owner && task.owner.id !== actor.id) {
      return reject('conflict', `Claimed by ${who(task.owner)} at ${clock(task.claimedAt, ctx.timeZone)}.`);
    }
    if (!task.owner && !mayWork(task, actor)) return notYourRole(task, 'start');
    if (task.status === 'in-progress') return unchanged(task);
    return {
      status: 'applied',
      task: {
        ...task,
        owner: task.owner ?? staffRef(actor),
        claimedAt: task.claimedAt ?? ctx.now,
        status: 'in-progress',
        hold: null,
      },
      change: task.status === 'on-hold' ? 'resumed' : 'started',
      upstream: task.owner ? null : 'claimed',
    };
  },
});
