import { z } from 'zod';
import type { UpstreamEvent } from './actions';
import { Resolution, TaskStatus } from './task';

/**
 * Outbound CloudEvents 1.0 (JSON structured mode): what the relay tells the hospital's workflow engine
 * about staff actions, through the outbox and the outbound topic (docs/SERVICEBUS.md SB7, SB8). The
 * other half of the contract in `events.ts`, published beside it as JSON Schema in docs/schemas. Ids
 * only: no patient data, no free text (an override reason is reported as `overridden: true`).
 * Strict throughout, because the relay writes these: a field that drifts is our bug, caught before the
 * row is written, not a surprise for the engine.
 */
export const OUTBOUND_EVENT_TYPES = {
  claimed: 'wardline.task.claimed',
  released: 'wardline.task.released',
  acknowledged: 'wardline.task.acknowledged',
  started: 'wardline.task.started',
  resolved: 'wardline.task.resolved',
  escalated: 'wardline.task.escalated',
  'exception.resolved': 'wardline.exception.resolved',
  'handover.offered': 'wardline.task.handover.offered',
  'handover.accepted': 'wardline.task.handover.accepted',
  'handover.declined': 'wardline.task.handover.declined',
  'handover.withdrawn': 'wardline.task.handover.withdrawn',
} as const satisfies Record<UpstreamEvent, string>;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[UpstreamEvent];

const Id = z.string().min(1);
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const OutboundEventData = z.strictObject({
  taskId: Id,
  revision: Count,
  version: Count,
  /** The `changes.seq` of the change that produced this state. */
  seq: Count,
  status: TaskStatus,
  /** Who acted; the relay itself (an escalation timer) has no tenant. */
  actor: z.strictObject({ id: Id, tenantId: z.string().nullable() }),
  /** The staff action's `commandId`; null for a change the relay made itself. */
  commandId: z.string().nullable(),
  ownerId: z.string().nullable(),
  /** Whose the task was before this change, by id: ownership changing hands (reassign, handover). */
  previousOwnerId: z.string().nullable(),
  /** On `wardline.task.handover.offered`: the named receiver, by id. */
  handoverToId: Id.optional(),
  /** On a resolved task: how it ended, and whether required items were overridden. */
  outcome: Resolution.shape.outcome.optional(),
  overridden: z.boolean().optional(),
  /** On `wardline.task.escalated`: the chain level reached. */
  level: z.number().int().min(0).optional(),
});
export type OutboundEventData = z.infer<typeof OutboundEventData>;

export const OutboundEvent = z.strictObject({
  specversion: z.literal('1.0'),
  id: Id,
  source: z.literal('urn:wardline:relay'),
  type: z.enum(Object.values(OUTBOUND_EVENT_TYPES) as [OutboundEventType, ...OutboundEventType[]]),
  /** The task id: the outbound topic's session and subject. */
  subject: Id,
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  data: OutboundEventData,
});
export type OutboundEvent = z.infer<typeof OutboundEvent>;
