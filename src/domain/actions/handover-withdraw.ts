import { defineAction, unchanged } from './action';
import { nowHeldBy } from './guards';
import { EmptyPayload } from './payloads';
import { reject } from '../results';
import { who } from '../wording';

/** The sender takes her offer back before it is answered (she stays on, or picks someone else). */
export const handoverWithdraw = defineAction({
  type: 'handover.withdraw',
  payload: EmptyPayload,
  apply(task, _payload, actor, ctx) {
    const pending = task.handover;
    if (!pending) {
      // Nothing pending: harmless for the owner (already withdrawn or answered), a conflict otherwise.
      return task.owner?.id === actor.id ? unchanged(task) : nowHeldBy(task, ctx);
    }
    if (pending.from.id !== actor.id) {
      return reject('forbidden', `Only ${who(pending.from)}, who offered this handover, can withdraw it.`);
    }
    return {
      status: 'applied',
      task: { ...task, handover: null },
      change: 'handover-withdrawn',
      detail: pending.to.id,
      upstream: 'handover.withdrawn',
    };
  },
});
