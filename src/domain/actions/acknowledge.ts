import { mayWork } from '../visibility';
import { defineAction, staffRef, ownedBy, unchanged } from './action';
import { notYourRole } from './guards';
import { EmptyPayload } from './payloads';

/**
 * "I have seen this." A fact on the task, not a status: it stops the escalation chain at once, which is
 * why it is one tap and why a second tap is harmless. Acknowledging unowned work also makes the
 * acknowledger its owner in the same change (HO9), so the follow-up has a name on it.
 */
export const acknowledge = defineAction({
  type: 'acknowledge',
  payload: EmptyPayload,
  apply(task, _payload, actor, ctx) {
    if (task.acknowledgedAt) return unchanged(task);
    if (!mayWork(task, actor) && task.owner?.id !== actor.id) return notYourRole(task, 'acknowledge');
    return {
      status: 'applied',
      task: {
        ...(task.owner ? task : ownedBy(task, actor, ctx.now)),
        acknowledgedAt: ctx.now,
        acknowledgedBy: staffRef(actor),
        escalation: { ...task.escalation, nextAt: null, next: null },
      },
      change: 'acknowledged',
      // The history says when acknowledging also gave the result its owner.
      detail: task.owner ? null : 'took ownership',
      upstream: 'acknowledged',
    };
  },
});
