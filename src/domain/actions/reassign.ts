import { z } from 'zod';
import { hasRole } from '../principal';
import { reject } from '../results';
import { leads } from '../visibility';
import { defineAction, ownedBy, unchanged } from './action';
import { eligibleReceiver } from './guards';

/**
 * Give the work to a named colleague. Only charge nurses and coordinators (for their kinds of work) do
 * this. The assignee must be able to work it (HO2), and any pending handover ends (HO8).
 */
export const reassign = defineAction({
  type: 'reassign',
  payload: z.object({ to: z.object({ id: z.string().min(1).max(200) }).strict() }).strict(),
  apply(task, payload, actor, ctx) {
    if (!hasRole(actor, 'ChargeNurse', 'Coordinator') || !leads(task, actor)) {
      return reject('forbidden', 'Only the charge nurse or a care coordinator can reassign this work.');
    }
    const assignee = ctx.assignee;
    if (!assignee || assignee.id !== payload.to.id) {
      return reject('not-found', 'That colleague is not in the staff directory.');
    }
    if (task.owner?.id === assignee.id) return unchanged(task);
    // The assignee must be able to see the work on its own merits, not merely because they would own it.
    if (!eligibleReceiver(task, assignee)) {
      return reject(
        'invalid',
        `${assignee.name || 'That colleague'} does not work on ${task.unit} in a role this task is routed to.`,
      );
    }
    return {
      status: 'applied',
      task: {
        ...ownedBy(task, assignee, ctx.now),
        // The lead's decision overrides a pending offer: the sender's later answer names the new owner (HO8).
        handover: null,
      },
      change: 'reassigned',
      detail: assignee.id,
      upstream: 'claimed',
    };
  },
});
