import { z } from 'zod';

/** `claim`, `release`, `acknowledge` and `start` take no payload: absent, null or `{}`. */
export const EmptyPayload = z.preprocess((value) => value ?? {}, z.object({}).strict());

/** A person's reason, as typed on a tablet: required, trimmed, bounded. */
export const Reason = z.string().trim().min(1, 'a reason is required').max(500);
