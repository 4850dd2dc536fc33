import { z } from 'zod';
import { Role } from './principal';
import { ExceptionReason, Priority } from './task';

/**
 * Inbound CloudEvents 1.0 (JSON structured mode): the contract with the hospital's integration team.
 * Published as JSON Schema in docs/schemas; keep it stable. Text fields are stored as text and never
 * interpreted as markup; their lengths are bounded so one event cannot bloat every screen.
 * `data` is strict: a misspelt field (`expectedDischargeTime`) is refused with its name rather than
 * silently dropped. The envelope stays open, because CloudEvents allows extension attributes there.
 * Events for one task must arrive in revision order (Service Bus sessions keyed by `subject`): an
 * older revision arriving after a newer one is `stale` by design.
 */
export const EVENT_TYPES = [
  'wardline.task.routed',
  'wardline.exception.raised',
  'wardline.task.updated',
  'wardline.task.cancelled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const MAX_ID = 200;
const MAX_TITLE = 300;
const MAX_TEXT = 4000;

const Id = z.string().trim().min(1).max(MAX_ID);
const Time = z.iso.datetime({ offset: true });
const Revision = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Unit = z.string().trim().min(1).max(40);

const PatientIn = z.strictObject({
  ref: Id,
  name: z.string().trim().min(1).max(200),
  mrn: z.string().trim().min(1).max(64),
  bed: z.string().trim().max(32).optional(),
  /**
   * The EHR's care-team hint: the nurse (staff id as in Wardline's directory) caring for the patient.
   * It may seed the bed's assignment for the shift, never override one the ward made (docs/ASSIGNMENTS.md
   * AS18), and is not stored on the task.
   */
  assignedNurse: z.strictObject({ id: Id, name: z.string().trim().min(1).max(200) }).optional(),
});

const ChecklistItemIn = z.strictObject({
  id: Id,
  label: z.string().trim().min(1).max(MAX_TITLE),
  required: z.boolean(),
  done: z.boolean().default(false),
});

export const TaskRoutedData = z.strictObject({
  taskId: Id,
  revision: Revision,
  kind: z.enum(['discharge', 'result-ack', 'follow-up']),
  title: z.string().trim().min(1).max(MAX_TITLE),
  priority: Priority,
  unit: Unit,
  /** People's roles only: work is never routed to Admin or Ingest accounts. */
  candidateRoles: z
    .array(Role.exclude(['Admin', 'Ingest', 'AssignedNurse']))
    .min(1)
    .max(4),
  patient: PatientIn,
  detail: z.string().max(MAX_TEXT).optional(),
  dueAt: Time.optional(),
  ackBy: Time.optional(),
  expectedDischargeAt: Time.optional(),
  checklist: z
    .array(ChecklistItemIn)
    .max(50)
    .refine(
      (items) => new Set(items.map((i) => i.id)).size === items.length,
      'checklist item ids must be unique',
    )
    .optional(),
});
export type TaskRoutedData = z.infer<typeof TaskRoutedData>;

export const ExceptionRaisedData = z.strictObject({
  taskId: Id,
  revision: Revision,
  reasonCode: ExceptionReason,
  title: z.string().trim().min(1).max(MAX_TITLE),
  priority: Priority,
  unit: Unit,
  patient: PatientIn.optional(),
  detail: z.string().max(MAX_TEXT).optional(),
  sourceRef: z.strictObject({ system: z.string().trim().min(1).max(MAX_ID), messageId: Id }).optional(),
});
export type ExceptionRaisedData = z.infer<typeof ExceptionRaisedData>;

export const TaskUpdatedData = z.strictObject({
  taskId: Id,
  revision: Revision,
  checklist: z
    .array(z.object({ id: Id, done: z.boolean() }))
    .min(1)
    .max(50),
});
export type TaskUpdatedData = z.infer<typeof TaskUpdatedData>;

export const TaskCancelledData = z.strictObject({
  taskId: Id,
  revision: Revision,
  reason: z.string().trim().min(1).max(MAX_TEXT),
});
export type TaskCancelledData = z.infer<typeof TaskCancelledData>;

const Envelope = {
  specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
  id: Id,
  source: z.string().trim().min(1).max(MAX_TEXT),
  time: Time.optional(),
  subject: Id.optional(),
  datacontenttype: z.string().optional(),
};

export const InboundEvent = z.discriminatedUnion('type', [
  z.object({ ...Envelope, type: z.literal('wardline.task.routed'), data: TaskRoutedData }),
  z.object({ ...Envelope, type: z.literal('wardline.exception.raised'), data: ExceptionRaisedData }),
  z.object({ ...Envelope, type: z.literal('wardline.task.updated'), data: TaskUpdatedData }),
  z.object({ ...Envelope, type: z.literal('wardline.task.cancelled'), data: TaskCancelledData }),
]);
export type InboundEvent = z.infer<typeof InboundEvent>;

export type ParsedEvent =
  { ok: true; event: InboundEvent } | { ok: false; id: string | null; reason: string };

/**
 * Validates one inbound event and explains a failure in one readable sentence that an integration
 * analyst can act on ("data.priority: expected one of routine, urgent, asap, stat").
 */
export function parseInboundEvent(input: unknown): ParsedEvent {
  const id = readId(input);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, id, reason: 'An event must be a JSON object (CloudEvents 1.0 structured mode).' };
  }
  const record = input as Record<string, unknown>;
  if (record.specversion !== '1.0') {
    return { ok: false, id, reason: `specversion must be "1.0" (got ${describe(record.specversion)}).` };
  }
  if (id === null)
    return {
      ok: false,
      id,
      reason: 'id is missing: every event needs a unique id (it is the de-duplication key).',
    };
  if (typeof record.type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(record.type)) {
    return {
      ok: false,
      id,
      reason: `type ${describe(record.type)} is not one Wardline accepts (${EVENT_TYPES.join(', ')}).`,
    };
  }
  const parsed = InboundEvent.safeParse(input);
  if (!parsed.success) return { ok: false, id, reason: explainIssues(parsed.error.issues) };
  if (parsed.data.subject !== undefined && parsed.data.subject !== parsed.data.data.taskId) {
    return {
      ok: false,
      id,
      reason: `subject (${parsed.data.subject}) must equal data.taskId (${parsed.data.data.taskId}).`,
    };
  }
  return { ok: true, event: parsed.data };
}

function readId(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null;
  const id = (input as { id?: unknown }).id;
  return typeof id === 'string' && id.trim() !== '' ? id.slice(0, MAX_ID) : null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Turns zod issues into at most three short clauses; the rest are counted, not listed. `root` names
 * the whole value when an issue has no path (an event, an action's payload, a configuration file).
 */
export function explainIssues(issues: readonly z.core.$ZodIssue[], root = 'event'): string {
  const clauses = issues.slice(0, 3).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : root;
    return `${path}: ${issue.message}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : '';
  return `${clauses.join('; ')}${more}.`;
}
