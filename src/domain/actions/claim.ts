import { reject } from '../results';
import { clock, who } from '../wording';
import { defineAction, ownedBy, unchanged } from './action';
import { notYourRole } from './guards';
import { EmptyPayload } from './payloads';
import { mayWork } from '../visibility';

/** Take ownership of unclaimed work. Someone else owning it is the conflict, named with who and when. */
export const claim = defineAction({
  type: 'claim',
  payload: EmptyPayload,
  apply(task, _payload, actor, ctx) {
    if (task.owner?.id === actor.id) return unchanged(task);
    if (task.owner) {
      return reject(
        'conflict',
        `Already claimed by ${who(task.owner)} at ${clock(task.claimedAt, ctx.timeZone)}.`,
      );
    }
    if (!mayWork(task, actor)) return notYourRole(task, 'claim');
    return {
      status: 'applied',
      task: ownedBy(task, actor, ctx.now),
      change: 'claimed',
      upstream: 'claimed',
    };
  },
});
