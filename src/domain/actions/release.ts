import { defineAction, unchanged } from './action';
import { mustOwnOrLead } from './guards';
import { EmptyPayload } from './payloads';

/** Hand work back to the unit queue. The checklist progress stays; the task is unclaimed again. */
export const release = defineAction({
  type: 'release',
  payload: EmptyPayload,
  apply(task, _payload, actor, ctx) {
    if (!task.owner) return unchanged(task);
    const refused = mustOwnOrLead(task, actor, ctx, 'release');
    if (refused) return refused;
    return {
      status: 'applied',
      task: { ...task, owner: null, claimedAt: null, status: 'requested', hold: null },
      change: 'released',
      upstream: 'released',
    };
  },
});
