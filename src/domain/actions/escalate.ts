import { z } from 'zod';
import { mayWork } from '../visibility';
import { defineAction } from './action';
import { notYourRole } from './guards';
import { Reason } from './payloads';

/** A person raises the level by hand ("I need the charge nurse now"), with a reason. */
export const escalate = defineAction({
  type: 'escalate',
  payload: z.object({ reason: Reason }).strict(),
  apply(task, payload, actor, ctx) {
    if (!mayWork(task, actor) && task.owner?.id !== actor.id) return notYourRole(task, 'escalate');
    return {
      status: 'applied',
      task: {
        ...task,
        escalation: {
          ...task.escalation,
          level: task.escalation.level + 1,
          lastAt: ctx.now,
          reason: payload.reason,
        },
      },
      change: 'escalated',
      detail: payload.reason,
      upstream: 'escalated',
    };
  },
});
