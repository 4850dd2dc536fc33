import { z } from 'zod';
import { reject } from '../results';
import { defineAction, staffRef } from './action';

/** Bounded so that one task cannot grow without limit on every device that syncs it. */
const MAX_COMMENTS = 200;

/** A note on the task for the next person. Allowed by anyone who can see it, even after it closed. */
export const comment = defineAction({
  type: 'comment',
  allowedWhenClosed: true,
  payload: z.object({ text: z.string().trim().min(1, 'the comment is empty').max(2000) }).strict(),
  apply(task, payload, actor, ctx) {
    if (task.comments.length >= MAX_COMMENTS)
      return reject('invalid', 'This task has too many comments; add it to the notes system.');
    return {
      status: 'applied',
      task: {
        ...task,
        comments: [...task.comments, { by: staffRef(actor), at: ctx.now, text: payload.text }],
      },
      change: 'commented',
    };
  },
});
