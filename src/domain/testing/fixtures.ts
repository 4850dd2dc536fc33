/**
 * Shared test fixtures for the domain's unit tests: a task builder, the ward's cast of principals and
 * inbound-event builders. Pure data, no test-runner imports, so relay and PWA tests may use it too.
 *
 * The clock reads 10:42 on the morning of 14 March 2025 (UTC, the default time zone of messages).
 */
import type { InboundEvent } from '../events';
import type { Principal, Role, StaffRole } from '../principal';
import {
  NO_ESCALATION,
  SYSTEM,
  type ChecklistItem,
  type StaffRef,
  type Task,
  type TaskStatus,
} from '../task';

export const TENANT = 'tenant-stmarys';

/** "Now" in every test unless a test says otherwise; wall clock 10:42. */
export const NOW = '2025-03-14T10:42:00.000Z';
/** Earlier that morning: when work was routed, claimed, ticked. */
export const ROUTED_AT = '2025-03-14T08:00:00.000Z';
export const CLAIMED_AT = '2025-03-14T09:15:00.000Z';

export function at(hhmm: string): string {
  return `2025-03-14T${hhmm}:00.000Z`;
}

export function minutesAfter(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

function person(id: string, name: string, roles: Role[], units: string[]): Principal {
  return { id, tenantId: TENANT, name, roles, units };
}

export const ALL_UNITS = ['4W', '5E', 'ICU'];

/** A staff nurse on 4W: the owner of the grid's claimed work. */
export const nurse = person('oid-nurse-mensah', 'A. Mensah', ['Nurse'], ['4W']);
/** A second staff nurse on 4W. */
export const okafor = person('oid-nurse-okafor', 'R. Okafor', ['Nurse'], ['4W']);
/** A staff nurse on 5E: another unit. */
export const nurse5E = person('oid-nurse-lindqvist', 'S. Lindqvist', ['Nurse'], ['5E']);
export const chargeNurse = person('oid-charge-adeyemi', 'T. Adeyemi', ['ChargeNurse'], ['4W']);
export const coordinator = person('oid-coord-novak', 'J. Novak', ['Coordinator'], ['4W', '5E', 'ICU']);
/** The house supervisor: every unit. */
export const supervisor = person('oid-super-haddad', 'M. Haddad', ['Supervisor'], ALL_UNITS);
export const admin = person('oid-admin-it', 'IT Service Desk', ['Admin'], []);
/** The integration account of the interface engine. */
export const ingest = person('oid-ingest-engine', 'Interface engine', ['Ingest'], []);

/** One principal per app role, for tables over roles. */
export const BY_ROLE: Record<StaffRole, Principal> = {
  Nurse: nurse,
  ChargeNurse: chargeNurse,
  Coordinator: coordinator,
  Supervisor: supervisor,
  Admin: admin,
  Ingest: ingest,
};

export function ref(principal: Principal): StaffRef {
  return { id: principal.id, name: principal.name };
}

export function item(
  id: string,
  label: string,
  required: boolean,
  doneBy: StaffRef | null = null,
): ChecklistItem {
  return { id, label, required, done: doneBy !== null, doneBy, doneAt: doneBy ? at('09:30') : null };
}

/**
 * A discharge task on 4W routed to nurses, unclaimed and not escalated. Its checklist has one required
 * item already ticked by a nurse and one optional item open, so it can be resolved without an override.
 */
export function aTask(overrides: Partial<Task> = {}): Task {
  return {
    id: 'task-4w-bed12-discharge',
    kind: 'discharge',
    title: 'Discharge home: bed 12',
    detail: null,
    priority: 'routine',
    status: 'requested',
    unit: '4W',
    candidateRoles: ['Nurse'],
    patient: { ref: 'Patient/demo-0012', name: 'Ada Testperson', mrn: 'DEMO-000012', bed: '4W-12' },
    owner: null,
    claimedAt: null,
    checklist: [
      item('med-rec', 'Medication reconciliation', true, ref(nurse)),
      item('transport', 'Transport booked', false),
    ],
    dueAt: at('14:00'),
    ackBy: null,
    expectedDischargeAt: at('15:00'),
    acknowledgedAt: null,
    acknowledgedBy: null,
    escalation: NO_ESCALATION,
    exception: null,
    hold: null,
    resolution: null,
    comments: [],
    handover: null,
    handoverDeclined: null,
    handoverAccepted: null,
    revision: 3,
    version: 7,
    seq: 120,
    createdAt: ROUTED_AT,
    updatedAt: ROUTED_AT,
    ...overrides,
  };
}

/** The same task claimed by `owner` (at 09:15). */
export function ownedBy(owner: Principal, overrides: Partial<Task> = {}): Task {
  return aTask({ status: 'accepted', owner: ref(owner), claimedAt: CLAIMED_AT, ...overrides });
}

/**
 * A task in `status`, as it would plausibly look there: unowned when requested, otherwise claimed by
 * `owner`; on hold with a reason; completed with a resolution; cancelled by upstream.
 */
export function inStatus(status: TaskStatus, owner: Principal = nurse, overrides: Partial<Task> = {}): Task {
  const base = status === 'requested' ? aTask() : ownedBy(owner, { status });
  const by = ref(owner);
  switch (status) {
    case 'on-hold':
      return { ...base, hold: { reason: 'Waiting for transport', by, at: at('10:00') }, ...overrides };
    case 'completed':
      return {
        ...base,
        acknowledgedAt: at('10:00'),
        acknowledgedBy: by,
        resolution: { outcome: 'done', note: null, overrideReason: null, by, at: at('10:00') },
        ...overrides,
      };
    case 'cancelled':
      return {
        ...base,
        resolution: {
          outcome: 'cancelled',
          note: 'Admission extended',
          overrideReason: null,
          by: SYSTEM,
          at: at('10:00'),
        },
        ...overrides,
      };
    default:
      return { ...base, ...overrides };
  }
}

/** A human-review exception on 4W (unmatched identifier), routed to coordinators. */
export function anException(overrides: Partial<Task> = {}): Task {
  return aTask({
    id: 'exc-4w-unmatched-0007',
    kind: 'exception',
    title: 'Lab result with an unmatched patient identifier',
    candidateRoles: ['Coordinator'],
    checklist: [],
    dueAt: null,
    expectedDischargeAt: null,
    exception: { reasonCode: 'unmatched-identifier', sourceRef: { system: 'LIS', messageId: 'MSG-0007' } },
    ...overrides,
  });
}

/** A critical result on 4W to acknowledge, routed to nurses. */
export function aResult(overrides: Partial<Task> = {}): Task {
  return aTask({
    id: 'res-4w-bed7-potassium',
    kind: 'result-ack',
    title: 'Critical result: K+ 6.4 mmol/L',
    priority: 'stat',
    checklist: [],
    dueAt: null,
    ackBy: at('10:30'),
    expectedDischargeAt: null,
    ...overrides,
  });
}

// ---------------------------------------------------------------------------------------------------
// Inbound events (as plain JSON, the way they arrive on the wire).

type Json = Record<string, unknown>;

function envelope(type: InboundEvent['type'], id: string, data: Json, extra: Json = {}): Json {
  return {
    specversion: '1.0',
    id,
    source: '/middleware/worklist-router',
    type,
    time: ROUTED_AT,
    subject: data.taskId,
    datacontenttype: 'application/json',
    data,
    ...extra,
  };
}

export function routedData(overrides: Json = {}): Json {
  return {
    taskId: 'task-4w-bed12-discharge',
    revision: 1,
    kind: 'discharge',
    title: 'Discharge home: bed 12',
    priority: 'routine',
    unit: '4W',
    candidateRoles: ['Nurse'],
    patient: { ref: 'Patient/demo-0012', name: 'Ada Testperson', mrn: 'DEMO-000012', bed: '4W-12' },
    dueAt: at('14:00'),
    expectedDischargeAt: at('15:00'),
    checklist: [
      { id: 'med-rec', label: 'Medication reconciliation', required: true, done: false },
      { id: 'transport', label: 'Transport booked', required: false, done: false },
    ],
    ...overrides,
  };
}

export function routedEvent(data: Json = {}, extra: Json = {}): Json {
  return envelope('wardline.task.routed', 'evt-routed-0001', routedData(data), extra);
}

export function raisedEvent(data: Json = {}, extra: Json = {}): Json {
  return envelope(
    'wardline.exception.raised',
    'evt-raised-0001',
    {
      taskId: 'exc-4w-unmatched-0007',
      revision: 1,
      reasonCode: 'unmatched-identifier',
      title: 'Lab result with an unmatched patient identifier',
      priority: 'urgent',
      unit: '4W',
      detail: 'PID-3 DEMO-999999 matches no patient on 4W.',
      sourceRef: { system: 'LIS', messageId: 'MSG-0007' },
      ...data,
    },
    extra,
  );
}

export function updatedEvent(data: Json = {}, extra: Json = {}): Json {
  return envelope(
    'wardline.task.updated',
    'evt-updated-0001',
    { taskId: 'task-4w-bed12-discharge', revision: 2, checklist: [{ id: 'transport', done: true }], ...data },
    extra,
  );
}

export function cancelledEvent(data: Json = {}, extra: Json = {}): Json {
  return envelope(
    'wardline.task.cancelled',
    'evt-cancelled-0001',
    {
      taskId: 'task-4w-bed12-discharge',
      revision: 2,
      reason: 'Admission extended by the consultant',
      ...data,
    },
    extra,
  );
}
