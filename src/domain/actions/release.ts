import { z } from 'zod';
import { reject } from '../results';
import { defineAction, staffRef, unchanged } from './action';
import { mustOwnOrLead } from './guards';

/** Bounded like comments, which is where the note goes. */
const MAX_COMMENTS = 200;

/**
 * Hand work back to the unit queue, optionally "with a note" for whoever claims it next (HO6). The
 * checklist progress stays; the task is unclaimed again, and any pending handover ends with it. A lead
 * (charge nurse, supervisor, coordinator for their kinds) may release a colleague's work on her behalf:
 * that is a distinct change in the history, `released-on-behalf`.
 */
export const release = defineAction({
  type: 'release',
  // Like the empty payloads: absent, null or `{}` all mean "no note".
  payload: z.preprocess(
    (value) => value ?? {},
    z.object({ note: z.string().trim().max(2000).optional() }).strict(),
  ),
  apply(task, payload, actor, ctx) {
    if (!task.owner) return unchanged(task);
    const refused = mustOwnOrLead(task, actor, ctx, 'release');
    if (refused) return refused;
    const note = payload.note || null;
    if (note && task.comments.length >= MAX_COMMENTS)
      return reject('invalid', 'This task has too many comments; release it without a note.');
    const onBehalf = task.owner.id !== actor.id;
    return {
      status: 'applied',
      task: {
        ...task,
        owner: null,
        claimedAt: null,
        status: 'requested',
        hold: null,
        handover: null,
        comments: note ? [...task.comments, { by: staffRef(actor), at: ctx.now, text: note }] : task.comments,
      },
      change: onBehalf ? 'released-on-behalf' : 'released',
      // Whose work it was, for the history; the note itself is on the task, not in the detail.
      detail: onBehalf ? task.owner.id : null,
      upstream: 'released',
    };
  },
});
