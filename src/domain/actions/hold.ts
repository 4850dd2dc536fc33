import { z } from 'zod';
import { defineAction, staffRef, unchanged } from './action';
import { mustOwnOrLead } from './guards';
import { Reason } from './payloads';

/** Pause work that is waiting on something outside the ward (pharmacy, family, transport). */
export const hold = defineAction({
  type: 'hold',
  payload: z.object({ reason: Reason }).strict(),
  apply(task, payload, actor, ctx) {
    const refused = mustOwnOrLead(task, actor, ctx, 'put on hold');
    if (refused) return refused;
    if (task.status === 'on-hold' && task.hold?.reason === payload.reason) return unchanged(task);
    return {
      status: 'applied',
      task: {
        ...task,
        status: 'on-hold',
        hold: { reason: payload.reason, by: staffRef(actor), at: ctx.now },
      },
      change: 'held',
      detail: payload.reason,
    };
  },
});
