import { z } from 'zod';
import { Role } from './principal';

/** FHIR R4 `Task.status`, so upstream FHIR systems map one to one. */
export const TASK_STATUSES = [
  'requested',
  'accepted',
  'in-progress',
  'on-hold',
  'completed',
  'cancelled',
  'failed',
] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Statuses after which only a comment may still be added. */
export const CLOSED_STATUSES: readonly TaskStatus[] = ['completed', 'cancelled', 'failed'];
export function isClosed(task: Pick<Task, 'status'>): boolean {
  return CLOSED_STATUSES.includes(task.status);
}

/** FHIR `Task.priority`, lowest to highest. */
export const PRIORITIES = ['routine', 'urgent', 'asap', 'stat'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

export const TASK_KINDS = ['discharge', 'result-ack', 'follow-up', 'exception'] as const;
export const TaskKind = z.enum(TASK_KINDS);
export type TaskKind = z.infer<typeof TaskKind>;

export const EXCEPTION_REASONS = [
  'eligibility-failed',
  'unmatched-identifier',
  'validation-failed',
  'duplicate-record',
] as const;
export const ExceptionReason = z.enum(EXCEPTION_REASONS);
export type ExceptionReason = z.infer<typeof ExceptionReason>;

/** How an exception ends: fixed here, dismissed as not needing action, or sent back to the source system. */
export const EXCEPTION_OUTCOMES = ['fixed', 'dismissed', 'sent-upstream'] as const;
export const ExceptionOutcome = z.enum(EXCEPTION_OUTCOMES);
export type ExceptionOutcome = z.infer<typeof ExceptionOutcome>;

const IsoTime = z.iso.datetime({ offset: true });

/** A person as shown on a task: the staff id (Entra `oid`) and a display name. */
export const StaffRef = z.object({ id: z.string().min(1), name: z.string() });
export type StaffRef = z.infer<typeof StaffRef>;

/** The actor recorded for changes the relay makes itself (upstream events, escalation timers). */
export const SYSTEM: StaffRef = { id: 'system', name: 'Wardline' };

export const Patient = z.object({
  ref: z.string().min(1),
  name: z.string(),
  mrn: z.string().nullable(),
  bed: z.string().nullable(),
});
export type Patient = z.infer<typeof Patient>;

export const ChecklistItem = z.object({
  id: z.string().min(1),
  label: z.string(),
  required: z.boolean(),
  done: z.boolean(),
  doneBy: StaffRef.nullable(),
  doneAt: IsoTime.nullable(),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

/** Who an escalation level tells: a role on the task's unit ("charge nurse of 4W") or hospital-wide. */
export const EscalationTarget = z.object({ role: Role, scope: z.enum(['unit', 'hospital']) });
export type EscalationTarget = z.infer<typeof EscalationTarget>;

/** The next firing of a chain if nothing stops it first: its level, whether it repeats it, and who. */
export const EscalationStep = EscalationTarget.extend({
  level: z.number().int().min(1),
  repeat: z.boolean(),
});
export type EscalationStep = z.infer<typeof EscalationStep>;

/**
 * Where a task stands in its escalation chain (docs/ESCALATIONS.md E1–E4). The fields after `reason`
 * were added later (E3: "why you" and "what happens next"); their defaults let rows stored before them
 * still parse.
 */
export const Escalation = z.object({
  /**
   * 0 = not escalated; n = the chain's n-th level has fired (or a person escalated this far). It never
   * counts repeats of the last level: those are `repeats`, so a result escalating since the morning is
   * "Level 2, repeated 17 times", not "Level 19".
   */
  level: z.number().int().min(0),
  /** How many times the chain's last level has fired again since it first fired. */
  repeats: z.number().int().min(0).default(0),
  /** When the next level fires, or null when nothing more will (acknowledged, closed, chain ended). */
  nextAt: IsoTime.nullable(),
  lastAt: IsoTime.nullable(),
  reason: z.string().nullable(),
  /** The policy the relay follows for this task, or null when none applies. */
  policyId: z.string().nullable().default(null),
  /** What stops the chain besides the task closing (the policy's `stopWhen`). */
  stopWhen: z.enum(['acknowledged', 'claimed', 'resolved']).nullable().default(null),
  /** Who the level reached was sent to ("why you"); null before the first level fires. */
  target: EscalationTarget.nullable().default(null),
  /** Who the next firing goes to if nothing stops the chain by `nextAt`; null when nothing more fires. */
  next: EscalationStep.nullable().default(null),
});
export type Escalation = z.infer<typeof Escalation>;

export const ExceptionDetails = z.object({
  reasonCode: ExceptionReason,
  sourceRef: z.object({ system: z.string(), messageId: z.string() }).nullable(),
});
export type ExceptionDetails = z.infer<typeof ExceptionDetails>;

export const Resolution = z.object({
  outcome: z.union([ExceptionOutcome, z.literal('done'), z.literal('cancelled')]),
  note: z.string().nullable(),
  /** Set when a discharge was resolved with required items open: the recorded reason. */
  overrideReason: z.string().nullable(),
  by: StaffRef,
  at: IsoTime,
});
export type Resolution = z.infer<typeof Resolution>;

export const Comment = z.object({ by: StaffRef, at: IsoTime, text: z.string() });
export type Comment = z.infer<typeof Comment>;

/** How ill the patient is, as I-PASS hands it over: the first word the receiver hears. */
export const ILLNESS_SEVERITIES = ['stable', 'watcher', 'unstable'] as const;
export const IllnessSeverity = z.enum(ILLNESS_SEVERITIES);
export type IllnessSeverity = z.infer<typeof IllnessSeverity>;

/**
 * A handover note structured as I-PASS (docs/HANDOFFS.md HO3). Every part is optional; a plain `text`
 * is enough for a single task. The action list is not stored here: it is the tasks being handed over,
 * with their due times, so nobody retypes it. Bounded so one note cannot bloat every device's copy.
 */
export const HandoverNote = z
  .object({
    severity: IllnessSeverity.optional(),
    summary: z.string().trim().max(300).optional(),
    awareness: z.string().trim().max(1000).optional(),
    text: z.string().trim().max(2000).optional(),
  })
  .strict();
export type HandoverNote = z.infer<typeof HandoverNote>;

/**
 * A pending offer of the task to a named colleague (HO1): until she accepts, the task stays the
 * sender's. `alertedAt` is when the unit's charge nurse was told it waits too long (HO7), so a restart
 * never tells her twice.
 */
export const Handover = z.object({
  from: StaffRef,
  to: StaffRef,
  offeredAt: IsoTime,
  note: HandoverNote.nullable(),
  alertedAt: IsoTime.nullable().default(null),
});
export type Handover = z.infer<typeof Handover>;

/** The last declined offer, so the sender sees who said no, when and why (HO5). */
export const HandoverDeclined = z.object({ by: StaffRef, at: IsoTime, reason: z.string() });
export type HandoverDeclined = z.infer<typeof HandoverDeclined>;

/** The last accepted offer: the receiver's synthesis and any question back to the sender (HO4). */
export const HandoverAccepted = z.object({
  from: StaffRef,
  by: StaffRef,
  at: IsoTime,
  synthesis: z.string().nullable(),
  question: z.string().nullable(),
});
export type HandoverAccepted = z.infer<typeof HandoverAccepted>;

/** The task as it travels on the wire and is stored. Defined once, here. */
export const Task = z.object({
  id: z.string().min(1),
  kind: TaskKind,
  title: z.string(),
  detail: z.string().nullable(),
  priority: Priority,
  status: TaskStatus,
  unit: z.string().min(1),
  candidateRoles: z.array(Role),
  patient: Patient.nullable(),
  owner: StaffRef.nullable(),
  claimedAt: IsoTime.nullable(),
  checklist: z.array(ChecklistItem),
  dueAt: IsoTime.nullable(),
  ackBy: IsoTime.nullable(),
  expectedDischargeAt: IsoTime.nullable(),
  acknowledgedAt: IsoTime.nullable(),
  acknowledgedBy: StaffRef.nullable(),
  escalation: Escalation,
  exception: ExceptionDetails.nullable(),
  hold: z.object({ reason: z.string(), by: StaffRef, at: IsoTime }).nullable(),
  resolution: Resolution.nullable(),
  comments: z.array(Comment),
  /** A pending handover offer (docs/HANDOFFS.md); the defaults let rows stored before it still parse. */
  handover: Handover.nullable().default(null),
  handoverDeclined: HandoverDeclined.nullable().default(null),
  handoverAccepted: HandoverAccepted.nullable().default(null),
  /** Upstream snapshot number: a routed event with a revision not above this one is stale. */
  revision: z.number().int().min(0),
  /** Per-task change counter, bumped by every change the relay applies. */
  version: z.number().int().min(0),
  /** Global cursor of this task's last change (the `changes.seq` that produced this state). */
  seq: z.number().int().min(0),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Task = z.infer<typeof Task>;

/**
 * Whether "acknowledged" means something on this task: a result, anything with an acknowledge-by time,
 * anything escalated (acknowledging stops the chain). Elsewhere (a plain discharge) recording that it
 * was "acknowledged" when it was resolved would only mislead the next reader.
 */
export function acknowledgementMatters(task: Pick<Task, 'kind' | 'ackBy' | 'escalation'>): boolean {
  return task.kind === 'result-ack' || task.ackBy !== null || task.escalation.level > 0;
}

export function requiredItemsOpen(task: Pick<Task, 'checklist'>): ChecklistItem[] {
  return task.checklist.filter((item) => item.required && !item.done);
}

export const NO_ESCALATION: Escalation = {
  level: 0,
  repeats: 0,
  nextAt: null,
  lastAt: null,
  reason: null,
  policyId: null,
  stopWhen: null,
  target: null,
  next: null,
};

/** Firings so far, repeats included: the order in which a chain's firings come (the scheduler compares it). */
export function firingsOf(escalation: Pick<Escalation, 'level' | 'repeats'>): number {
  return escalation.level + escalation.repeats;
}
