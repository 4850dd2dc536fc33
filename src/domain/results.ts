import { z } from 'zod';
import { Task } from './task';

/**
 * The closed set of reasons an action is refused. The relay's HTTP error codes extend it, mapped to
 * statuses in one place (server/src/http/errors.ts `statusOf`); the hub returns it in its results, and
 * the PWA words them for people.
 */
export const REJECTION_CODES = ['conflict', 'forbidden', 'invalid', 'not-found', 'closed'] as const;
export const RejectionCode = z.enum(REJECTION_CODES);
export type RejectionCode = z.infer<typeof RejectionCode>;

export const ActionResult = z.discriminatedUnion('status', [
  /** `task` is null only when the action took the task out of the caller's own view. */
  z.object({ status: z.literal('applied'), task: Task.nullable() }),
  /** Same commandId seen before: the original outcome again, with the task as it is now. */
  z.object({
    status: z.literal('duplicate'),
    task: Task.nullable(),
    original: z.enum(['applied', 'rejected']),
    code: RejectionCode.optional(),
    message: z.string().optional(),
  }),
  z.object({
    status: z.literal('rejected'),
    task: Task.nullable(),
    code: RejectionCode,
    message: z.string(),
  }),
]);
export type ActionResult = z.infer<typeof ActionResult>;

export interface Rejection {
  status: 'rejected';
  code: RejectionCode;
  message: string;
}

export function reject(code: RejectionCode, message: string): Rejection {
  return { status: 'rejected', code, message };
}
