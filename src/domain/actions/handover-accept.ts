import { z } from 'zod';
import { staffRef, defineAction, ownedBy, unchanged } from './action';
import { handoverNotYours } from './handover-guards';

/**
 * "I have it": the receiver takes responsibility (HO4). Only the person named in the offer accepts;
 * she becomes the owner in the same change, with her synthesis and any question back to the sender.
 */
export const handoverAccept = defineAction({
  type: 'handover.accept',
  payload: z.preprocess(
    (value) => value ?? {},
    z
      .object({
        synthesis: z.string().trim().max(1000).optional(),
        question: z.string().trim().max(1000).optional(),
      })
      .strict(),
  ),
  apply(task, payload, actor, ctx) {
    const pending = task.handover;
    if (!pending || pending.to.id !== actor.id) {
      // Her own second tap (or an offline replay with a new id) after the offer became hers.
      if (task.owner?.id === actor.id && task.handoverAccepted?.by.id === actor.id) return unchanged(task);
      return handoverNotYours(task, actor, ctx, 'accept');
    }
    return {
      status: 'applied',
      task: {
        ...ownedBy(task, actor, ctx.now),
        handover: null,
        handoverDeclined: null,
        handoverAccepted: {
          from: pending.from,
          by: staffRef(actor),
          at: ctx.now,
          synthesis: payload.synthesis || null,
          question: payload.question || null,
        },
      },
      change: 'handover-accepted',
      detail: pending.from.id,
      upstream: 'handover.accepted',
    };
  },
});
