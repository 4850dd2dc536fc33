import type { ExceptionRaisedData, InboundEvent, TaskRoutedData } from '../../../src/domain/events';
import type { Priority } from '../../../src/domain/task';
import { Census, type DemoPatient, type DemoUnit, type Specialty } from './hospital';
import { createRandom, normalizeSeed, type Random } from './random';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  PATIENT_WENT_HOME_REASON,
  EXCEPTION_RETRY_DETAIL,
  cancelReason,
  criticalResult,
  dischargeDetail,
  dischargePlan,
  equipmentItem,
  exceptionScenario,
  followUpTitle,
  repeatResult,
  resultDetail,
  resultTitle,
  type ChecklistTemplate,
  type CriticalResult,
} from './scenarios';

/**
 * The demo hospital as a deterministic event source: a census of fictional patients on three wards and
 * the upstream systems around them (EHR, lab, booking and referral systems, interface engine), emitting
 * CloudEvents exactly as the integration team would. It never sees the relay's store: it remembers only
 * what it has said, so every update or cancellation names a task it routed before, with the next
 * revision of that task.
 *
 * Determinism: given the same seed and the same answers from `now()`, the same calls return
 * byte-identical events. Nothing here reads the wall clock, the time zone or `Math.random`.
 */

export const DEMO_SOURCE = 'urn:wardline:demo';
/** "A realistic morning backlog": about two open items per occupied bed across the three wards. */
export const DEFAULT_BACKLOG_SIZE = 150;

/**
 * Which of the demo's upstream systems sends an event, appended to `DEMO_SOURCE` ("urn:wardline:demo:lab")
 * so the task's history names it: results come from the lab, exceptions from the interface engine, the
 * rest from the patient record. Read from the task id's kind prefix (`newTaskId`), as updates carry no kind.
 */
function systemOf(type: DemoEvent['type'], taskId: string): 'lab' | 'ehr' | 'interface-engine' {
  if (type === 'wardline.exception.raised' || taskId.includes('-ex-')) return 'interface-engine';
  return taskId.includes('-ra-') ? 'lab' : 'ehr';
}

/** One CloudEvent as it goes on the wire: plain JSON that `parseInboundEvent` accepts unchanged. */
export type DemoEvent = InboundEvent;

type RoutedKind = TaskRoutedData['kind'];
type NewWork = RoutedKind | 'exception';

/** Share of each kind of work in the morning backlog, by ward. ICU work is mostly follow-ups. */
// prettier-ignore
const BACKLOG_MIX: Record<Specialty, readonly (readonly [NewWork, number])[]> = {
  medical: [['discharge', 35], ['follow-up', 33], ['result-ack', 10], ['exception', 22]],
  surgical: [['discharge', 38], ['follow-up', 34], ['result-ack', 8], ['exception', 20]],
  'critical-care': [['discharge', 15], ['follow-up', 55], ['result-ack', 20], ['exception', 10]],
};

/** New routed work during the day, by ward (exceptions are drawn separately, hospital-wide). */
// prettier-ignore
const LIVE_MIX: Record<Specialty, readonly (readonly [RoutedKind, number])[]> = {
  medical: [['discharge', 35], ['follow-up', 45], ['result-ack', 20]],
  surgical: [['discharge', 40], ['follow-up', 45], ['result-ack', 15]],
  'critical-care': [['discharge', 20], ['follow-up', 50], ['result-ack', 30]],
};

/**
 * Relative weights of what happens next. Cancellations scale with how much is open (see `next`), so
 * the worklist hovers around the backlog size instead of growing for as long as the demo runs, and a
 * task lives for a few hundred events: long enough to be claimed, ticked and worked in a demo.
 */
const LIVE_WEIGHTS = { routed: 16, exception: 4, progress: 40, snapshot: 14, cancel: 20 } as const;
/** Chance per event that a patient whose discharge time has passed goes home and the bed is refilled. */
const TURNOVER_CHANCE = 0.04;
/** Chance that an upstream progress event withdraws a tick (a transport booking fell through). */
const UNTICK_CHANCE = 0.08;

/** What the simulator remembers about a task it routed: its last snapshot, kept current by updates. */
type Tracked =
  | { type: 'routed'; data: TaskRoutedData; result: CriticalResult | null; upstreamItems: readonly string[] }
  | { type: 'raised'; data: ExceptionRaisedData };

export interface DemoHospitalOptions {
  seed: number;
  now: () => Date;
  /** Roughly how many items the simulator keeps open once the day is running (default 150). */
  targetOpen?: number;
  /**
   * The hospital's offset from UTC in minutes (default 0), so discharges are planned in local working
   * hours. Passed in rather than read from the machine, so the events do not depend on where they run.
   */
  utcOffsetMinutes?: number;
}

export class DemoHospital {
  /** The seed as a 32-bit integer: part of every event id and task id. */
  readonly seed: number;
  readonly census: Census;
  private readonly random: Random;
  private readonly now: () => Date;
  private readonly targetOpen: number;
  private readonly utcOffsetMs: number;
  /** Open tasks by id, oldest first (Map keeps insertion order, which keeps iteration deterministic). */
  private readonly open = new Map<string, Tracked>();
  /** Events already decided (the cancellations that follow a patient going home), sent before new ones. */
  private readonly pending: DemoEvent[] = [];
  private eventCount = 0;
  private taskCount = 0;
  private messageCount: number;

  constructor(options: DemoHospitalOptions) {
    this.seed = normalizeSeed(options.seed);
    this.random = createRandom(this.seed);
    this.now = options.now;
    this.targetOpen = options.targetOpen ?? DEFAULT_BACKLOG_SIZE;
    const offset = options.utcOffsetMinutes ?? 0;
    if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) {
      throw new RangeError(`utcOffsetMinutes must be whole minutes within ±14 hours (got ${offset})`);
    }
    this.utcOffsetMs = offset * MINUTE_MS;
    this.census = new Census(this.random);
    this.messageCount = this.random.int(10_000, 89_999);
  }

  /** How many tasks the simulator believes are open: routed or raised, and not yet cancelled upstream. */
  get openTaskCount(): number {
    return this.open.size;
  }

  /**
   * The morning backlog: `count` new open items (one routed or raised event each), shared between the
   * wards by workload and shuffled so that any batch of them touches every ward.
   */
  backlog(count: number = DEFAULT_BACKLOG_SIZE): DemoEvent[] {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`backlog size must be a whole number (got ${count})`);
    const now = this.now();
    const units = this.shuffle(this.shareByWorkload(count));
    return units.map((unit) => {
      const work = this.random.weighted(BACKLOG_MIX[unit.specialty]);
      return work === 'exception' ? this.raiseException(now, unit) : this.routeNew(now, unit, work, true);
    });
  }

  /** The next thing that happens upstream. */
  next(): DemoEvent {
    const queued = this.pending.shift();
    if (queued) return queued;
    const now = this.now();
    if (this.random.chance(TURNOVER_CHANCE) && this.patientGoesHome(now)) {
      const first = this.pending.shift();
      if (first) return first;
    }
    const progress = this.progressCandidates();
    const open = this.open.size;
    const action = this.random.weighted([
      ['routed', LIVE_WEIGHTS.routed],
      ['exception', LIVE_WEIGHTS.exception],
      ['progress', progress.length > 0 ? LIVE_WEIGHTS.progress : 0],
      ['snapshot', open > 0 ? LIVE_WEIGHTS.snapshot : 0],
      ['cancel', (LIVE_WEIGHTS.cancel * open) / this.targetOpen],
    ] as const);
    switch (action) {
      case 'routed': {
        const unit = this.pickUnit();
        return this.routeNew(now, unit, this.random.weighted(LIVE_MIX[unit.specialty]), false);
      }
      case 'exception':
        return this.raiseException(now, this.pickUnit());
      case 'progress':
        return this.progress(now, this.random.pick(progress));
      case 'snapshot':
        return this.snapshot(now, this.random.pick([...this.open.values()]));
      case 'cancel':
        return this.cancel(now, this.random.pick([...this.open.values()]));
    }
  }

  // --- new work ---------------------------------------------------------------------------------

  private routeNew(now: Date, unit: DemoUnit, kind: RoutedKind, backlog: boolean): DemoEvent {
    if (kind === 'discharge') {
      const patient = this.pickPatient(unit, (p) => !this.hasOpenDischarge(p));
      if (patient) return this.routeDischarge(now, unit, patient, backlog);
      kind = 'follow-up'; // everyone on the ward already has a discharge in progress
    }
    const patient = this.pickPatient(unit);
    if (!patient) return this.raiseException(now, unit); // an empty ward still gets interface errors
    return kind === 'result-ack'
      ? this.routeResult(now, unit, patient, backlog)
      : this.routeFollowUp(now, unit, patient, backlog);
  }

  private routeDischarge(now: Date, unit: DemoUnit, patient: DemoPatient, backlog: boolean): DemoEvent {
    const wards = this.census.units.filter((u) => u.specialty !== 'critical-care').map((u) => u.code);
    const plan = dischargePlan(
      this.random,
      unit.specialty,
      wards.length > 0 ? this.random.pick(wards) : 'a ward',
    );
    const expected = this.plannedDischarge(now.getTime());
    // The morning backlog has some of the work already done; new plans start with little done.
    const doneChance = backlog ? 0.3 : 0.1;
    const data: TaskRoutedData = {
      taskId: this.newTaskId('dc'),
      revision: 1,
      kind: 'discharge',
      title: plan.title,
      priority: dischargePriority(now.getTime(), expected),
      unit: unit.code,
      candidateRoles: ['Nurse', 'Coordinator'],
      patient: patientData(patient),
      detail: dischargeDetail(this.random, unit.specialty),
      // The checklist is due an hour before the patient is expected to leave.
      dueAt: iso(expected - HOUR_MS),
      expectedDischargeAt: iso(expected),
      checklist: plan.checklist.map((item) => checklistItem(item, this.random.chance(doneChance))),
    };
    return this.track(now, {
      type: 'routed',
      data,
      result: null,
      upstreamItems: upstreamIds(plan.checklist),
    });
  }

  private routeResult(now: Date, unit: DemoUnit, patient: DemoPatient, backlog: boolean): DemoEvent {
    const result = criticalResult(this.random, unit.specialty);
    // A critical value must be acknowledged within ten minutes of the call; backlog ones came in earlier.
    const ackIn = backlog ? this.random.int(3, 10) : 10;
    const data: TaskRoutedData = {
      taskId: this.newTaskId('ra'),
      revision: 1,
      kind: 'result-ack',
      title: resultTitle(result),
      priority: result.priority,
      unit: unit.code,
      candidateRoles: ['Nurse', 'ChargeNurse'],
      patient: patientData(patient),
      detail: resultDetail(result, false),
      ackBy: iso(now.getTime() + ackIn * MINUTE_MS),
    };
    return this.track(now, { type: 'routed', data, result, upstreamItems: [] });
  }

  private routeFollowUp(now: Date, unit: DemoUnit, patient: DemoPatient, backlog: boolean): DemoEvent {
    // In five-minute steps: up to six hours ahead, and in the backlog up to half an hour overdue.
    const steps = this.random.int(backlog ? -6 : 6, 72);
    const data: TaskRoutedData = {
      taskId: this.newTaskId('fu'),
      revision: 1,
      kind: 'follow-up',
      title: followUpTitle(this.random, unit.specialty),
      priority: this.random.chance(unit.specialty === 'critical-care' ? 0.4 : 0.15) ? 'urgent' : 'routine',
      unit: unit.code,
      candidateRoles: ['Nurse'],
      patient: patientData(patient),
      dueAt: iso(ceilTo(now.getTime(), 5 * MINUTE_MS) + steps * 5 * MINUTE_MS),
    };
    return this.track(now, { type: 'routed', data, result: null, upstreamItems: [] });
  }

  private raiseException(now: Date, unit: DemoUnit): DemoEvent {
    const scenario = exceptionScenario(this.random);
    const patient = scenario.withPatient ? this.pickPatient(unit) : undefined;
    this.messageCount += 1;
    const data: ExceptionRaisedData = {
      taskId: this.newTaskId('ex'),
      revision: 1,
      reasonCode: scenario.reasonCode,
      title: scenario.title,
      priority: scenario.priority,
      unit: unit.code,
      ...(patient ? { patient: patientData(patient) } : {}),
      detail: scenario.detail,
      sourceRef: {
        system: scenario.system,
        messageId: `${scenario.messagePrefix}${String(this.messageCount).padStart(8, '0')}`,
      },
    };
    return this.track(now, { type: 'raised', data });
  }

  // --- what happens to work already routed ---------------------------------------------------------

  /** Discharges with something a booking or referral system has still to tick. */
  private progressCandidates(): Extract<Tracked, { type: 'routed' }>[] {
    const candidates: Extract<Tracked, { type: 'routed' }>[] = [];
    for (const task of this.open.values()) {
      if (task.type !== 'routed') continue;
      if (task.data.checklist?.some((i) => !i.done && task.upstreamItems.includes(i.id)))
        candidates.push(task);
    }
    return candidates;
  }

  private progress(now: Date, task: Extract<Tracked, { type: 'routed' }>): DemoEvent {
    const items = (task.data.checklist ?? []).filter((i) => task.upstreamItems.includes(i.id));
    const open = items.filter((i) => !i.done);
    const done = items.filter((i) => i.done);
    let changes: { id: string; done: boolean }[];
    if (done.length > 0 && this.random.chance(UNTICK_CHANCE)) {
      // Now and then a booking falls through (the transport company cancels) and the tick is withdrawn.
      changes = [{ id: this.random.pick(done).id, done: false }];
    } else {
      // Usually one tick; sometimes a system reports two at once (a referral and its equipment).
      const first = this.random.pick(open);
      const second =
        open.length > 1 && this.random.chance(0.2) ? this.random.pick(open.filter((i) => i !== first)) : null;
      changes = [first, ...(second ? [second] : [])].map((i) => ({ id: i.id, done: true }));
    }
    for (const change of changes) {
      const item = task.data.checklist?.find((i) => i.id === change.id);
      if (item) item.done = change.done;
    }
    task.data.revision += 1;
    return this.envelope(now, 'wardline.task.updated', {
      taskId: task.data.taskId,
      revision: task.data.revision,
      checklist: changes,
    });
  }

  /** A newer full snapshot of an open task: `routed` (or `raised`) again with the next revision. */
  private snapshot(now: Date, task: Tracked): DemoEvent {
    if (task.type === 'raised') {
      const data = task.data;
      data.revision += 1;
      data.detail = EXCEPTION_RETRY_DETAIL;
      data.priority = moreUrgent(data.priority);
      return this.envelope(now, 'wardline.exception.raised', clone(data));
    }
    const data = task.data;
    data.revision += 1;
    switch (data.kind) {
      case 'discharge':
        this.reviseDischarge(now, task);
        break;
      case 'result-ack': {
        const result = repeatResult(this.random, task.result ?? criticalResult(this.random, 'medical'));
        task.result = result;
        data.title = resultTitle(result);
        data.priority = result.priority;
        data.detail = resultDetail(result, true);
        break;
      }
      case 'follow-up': {
        const due = Math.max(
          Date.parse(data.dueAt ?? now.toISOString()),
          ceilTo(now.getTime(), 5 * MINUTE_MS),
        );
        data.dueAt = iso(due + this.random.int(6, 24) * 5 * MINUTE_MS);
        data.detail = 'Rescheduled by the ordering team.';
        break;
      }
    }
    return this.envelope(now, 'wardline.task.routed', clone(data));
  }

  private reviseDischarge(now: Date, task: Extract<Tracked, { type: 'routed' }>): void {
    const data = task.data;
    const checklist = data.checklist ?? [];
    const canAddEquipment =
      !checklist.some((i) => i.id === 'equipment') && !data.title.startsWith('Transfer');
    if (canAddEquipment && this.random.chance(0.35)) {
      const item = equipmentItem(this.random, false);
      data.checklist = [...checklist, checklistItem(item, false)];
      task.upstreamItems = [...task.upstreamItems, item.id];
      return;
    }
    // The plan slips by one to three hours; the checklist keeps its items and ticks.
    const expected = Math.max(Date.parse(data.expectedDischargeAt ?? now.toISOString()), now.getTime());
    const moved = ceilTo(expected + this.random.int(1, 3) * HOUR_MS, 15 * MINUTE_MS);
    data.expectedDischargeAt = iso(moved);
    data.dueAt = iso(moved - HOUR_MS);
    data.priority = dischargePriority(now.getTime(), moved);
  }

  /**
   * Later today in working hours (10:00 to 17:00 local, at least 90 minutes from now) or else tomorrow
   * between 09:00 and 14:00, on the quarter hour.
   */
  private plannedDischarge(nowMs: number): number {
    const local = nowMs + this.utcOffsetMs;
    const midnight = Math.floor(local / DAY_MS) * DAY_MS;
    const earliestToday = Math.max(ceilTo(local + 90 * MINUTE_MS, 15 * MINUTE_MS), midnight + 10 * HOUR_MS);
    const latestToday = midnight + 17 * HOUR_MS;
    const quarters = (from: number, to: number): number =>
      from + this.random.int(0, Math.floor((to - from) / (15 * MINUTE_MS))) * 15 * MINUTE_MS;
    const planned =
      earliestToday <= latestToday && this.random.chance(0.6)
        ? quarters(earliestToday, latestToday)
        : quarters(midnight + DAY_MS + 9 * HOUR_MS, midnight + DAY_MS + 14 * HOUR_MS);
    return planned - this.utcOffsetMs;
  }

  private cancel(now: Date, task: Tracked, reason?: string): DemoEvent {
    this.open.delete(task.data.taskId);
    const revision = task.data.revision + 1;
    const why =
      reason ??
      (task.type === 'raised'
        ? cancelReason(this.random, 'exception', task.data.reasonCode)
        : cancelReason(this.random, task.data.kind));
    return this.envelope(now, 'wardline.task.cancelled', { taskId: task.data.taskId, revision, reason: why });
  }

  /**
   * A patient whose expected discharge time has passed leaves: upstream withdraws whatever is still
   * open for them (queued, sent one per call) and the bed goes to a new admission.
   */
  private patientGoesHome(now: Date): boolean {
    const gone = [...this.open.values()].find(
      (t) =>
        t.type === 'routed' &&
        t.data.kind === 'discharge' &&
        Date.parse(t.data.expectedDischargeAt ?? '') <= now.getTime(),
    );
    const patient = gone?.data.patient;
    if (!patient) return false;
    for (const task of [...this.open.values()]) {
      if (task.data.patient?.ref !== patient.ref) continue;
      const reason = task === gone ? 'Discharge completed in the EHR (ADT^A03).' : PATIENT_WENT_HOME_REASON;
      this.pending.push(this.cancel(now, task, reason));
    }
    if (patient.bed !== undefined && this.census.patientInBed(patient.bed)?.ref === patient.ref) {
      this.census.readmitBed(patient.bed);
    }
    return true;
  }

  // --- bookkeeping ------------------------------------------------------------------------------

  private track(now: Date, task: Tracked): DemoEvent {
    this.open.set(task.data.taskId, task);
    if (task.type === 'raised') return this.envelope(now, 'wardline.exception.raised', clone(task.data));
    return this.envelope(now, 'wardline.task.routed', clone(task.data));
  }

  private envelope<T extends DemoEvent['type']>(
    now: Date,
    type: T,
    data: Extract<DemoEvent, { type: T }>['data'],
  ): DemoEvent {
    this.eventCount += 1;
    return {
      specversion: '1.0',
      id: `demo-${this.seed}-${this.eventCount}`,
      source: `${DEMO_SOURCE}:${systemOf(type, data.taskId)}`,
      type,
      time: now.toISOString(),
      subject: data.taskId,
      datacontenttype: 'application/json',
      data,
    } as DemoEvent;
  }

  private newTaskId(prefix: 'dc' | 'ra' | 'fu' | 'ex'): string {
    this.taskCount += 1;
    return `demo-${this.seed}-${prefix}-${this.taskCount}`;
  }

  private pickUnit(): DemoUnit {
    return this.random.weighted(this.census.units.map((u) => [u, u.workload] as const));
  }

  private pickPatient(
    unit: DemoUnit,
    accept: (p: DemoPatient) => boolean = () => true,
  ): DemoPatient | undefined {
    const patients = this.census.occupants(unit.code).filter(accept);
    return patients.length > 0 ? this.random.pick(patients) : undefined;
  }

  private hasOpenDischarge(patient: DemoPatient): boolean {
    for (const task of this.open.values()) {
      if (task.type === 'routed' && task.data.kind === 'discharge' && task.data.patient.ref === patient.ref)
        return true;
    }
    return false;
  }

  /** `count` units, each ward getting its share by workload (largest remainder, so the total is exact). */
  private shareByWorkload(count: number): DemoUnit[] {
    const units = this.census.units;
    const total = units.reduce((sum, u) => sum + u.workload, 0);
    const exact = units.map((u) => (count * u.workload) / total);
    const shares = exact.map(Math.floor);
    const byRemainder = exact
      .map((value, i) => ({ i, rest: value - Math.floor(value) }))
      .sort((a, b) => b.rest - a.rest || a.i - b.i);
    const missing = count - shares.reduce((a, b) => a + b, 0);
    for (let k = 0; k < missing; k++) {
      const slot = byRemainder[k % byRemainder.length];
      if (slot) shares[slot.i] = (shares[slot.i] ?? 0) + 1;
    }
    return units.flatMap((u, i) => Array.from({ length: shares[i] ?? 0 }, () => u));
  }

  private shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.random.int(0, i);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

export function createDemoHospital(options: DemoHospitalOptions): DemoHospital {
  return new DemoHospital(options);
}

/** Seconds between consecutive events in `generateEvents`: a busy hospital's interface engine. */
const GENERATED_STEP_SECONDS = { min: 1, max: 20 } as const;

/**
 * `count` valid events from a fresh hospital: a morning backlog (30 % of them, at most 150) at
 * `startTime`, then the day's events on a simulated clock that advances a few seconds per event. The
 * same arguments always give the same array; for the ingest benchmark and tests.
 */
export function generateEvents(seed: number, count: number, startTime: Date): DemoEvent[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number (got ${count})`);
  let clock = startTime.getTime();
  if (!Number.isFinite(clock)) throw new RangeError('startTime must be a valid date');
  const hospital = createDemoHospital({ seed, now: () => new Date(clock) });
  // A separate stream for the clock, so the events do not depend on how time is drawn.
  const timing = createRandom(hospital.seed ^ 0x9e3779b9);
  const events = hospital.backlog(Math.min(DEFAULT_BACKLOG_SIZE, Math.floor(count * 0.3)));
  while (events.length < count) {
    clock += timing.int(GENERATED_STEP_SECONDS.min, GENERATED_STEP_SECONDS.max) * 1000;
    events.push(hospital.next());
  }
  return events;
}

// --- small pure helpers ------------------------------------------------------------------------------

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function ceilTo(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}

function dischargePriority(now: number, expected: number): Priority {
  return expected - now <= 3 * HOUR_MS ? 'urgent' : 'routine';
}

/** A problem that failed again is more urgent than it was; `asap` and `stat` stay as they are. */
function moreUrgent(priority: Priority): Priority {
  return priority === 'routine' ? 'urgent' : priority;
}

function patientData(patient: DemoPatient): TaskRoutedData['patient'] {
  return { ref: patient.ref, name: patient.name, mrn: patient.mrn, bed: patient.bed };
}

function checklistItem(
  item: ChecklistTemplate,
  done: boolean,
): NonNullable<TaskRoutedData['checklist']>[number] {
  return { id: item.id, label: item.label, required: item.required, done };
}

function upstreamIds(items: readonly ChecklistTemplate[]): string[] {
  return items.filter((i) => i.upstream).map((i) => i.id);
}

/** Events are handed to the ingest path, which may keep them: never share the simulator's own objects. */
function clone<T>(value: T): T {
  return structuredClone(value);
}
