import { z } from 'zod';
import { defineAction, staffRef, unchanged } from './action';
import { handoverNotYours } from './handover-guards';
import { Reason } from './payloads';

/**
 * The receiver says no, with a reason that goes back to the sender (HO5). The task stays the sender's:
 * a declined offer never leaves work without an owner.
 */
export const handoverDecline = defineAction({
  type: 'handover.decline',
  payload: z.object({ reason: Reason }).strict(),
  apply(task, payload, actor, ctx) {
    const pending = task.handover;
    if (!pending || pending.to.id !== actor.id) {
      const last = task.handoverDeclined;
      if (last?.by.id === actor.id && last.reason === payload.reason) return unchanged(task);
      return handoverNotYours(task, actor, ctx, 'decline');
    }
    return {
      status: 'applied',
      task: {
        ...task,
        handover: null,
        handoverDeclined: { by: staffRef(actor), at: ctx.now, reason: payload.reason },
      },
      change: 'handover-declined',
      detail: payload.reason,
      upstream: 'handover.declined',
    };
  },
});
