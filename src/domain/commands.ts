import { z } from 'zod';

/** Every staff action has this one shape; `commandId` is a client-made UUID and the idempotency key. */
export const ACTION_TYPES = [
  'claim',
  'release',
  'acknowledge',
  'start',
  'checklist.set',
  'hold',
  'resolve',
  'escalate',
  'reassign',
  'comment',
  'handover.offer',
  'handover.accept',
  'handover.decline',
  'handover.withdraw',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const Command = z.object({
  commandId: z.uuid({ error: 'commandId must be a UUID made by the client' }),
  taskId: z.string().min(1).max(200),
  type: z.enum(ACTION_TYPES, { error: `type must be one of ${ACTION_TYPES.join(', ')}` }),
  payload: z.unknown().optional(),
  issuedAt: z.iso.datetime({ offset: true, error: 'issuedAt must be an ISO 8601 time' }),
});
export type Command = z.infer<typeof Command>;
