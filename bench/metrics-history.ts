/**
 * A synthetic changes log for `npm run bench:metrics`: weeks of three wards' work, each task living
 * through the changes the relay really writes (routed → claimed → started → items → resolved, results
 * acknowledged late enough now and then to escalate, exceptions escalating when left unclaimed, hold,
 * release, comments, timer housekeeping), with a full wire-shape task snapshot on every row, as the
 * store writes it. Deterministic for a seed. Rows are inserted in large transactions with
 * `synchronous = OFF`: building the log is set-up, not what is measured.
 */
import { createRandom } from '../server/src/demo/random';
import type { ChecklistItem, Priority, Role, StaffRef, Task, TaskKind } from '../src/domain';
import { NO_ESCALATION, SYSTEM } from '../src/domain';
import type { Db } from '../server/src/store/database';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const UNITS = ['4W', '5E', 'ICU'] as const;
const UNIT_WEIGHTS = [0.4, 0.4, 0.2];

/** The demo hospital's seeded generator, as a plain function: the same seed gives the same history. */
export function random(seed: number): () => number {
  return createRandom(seed).next;
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[], weights?: readonly number[]): T => {
  if (!weights) return items[Math.floor(rng() * items.length)]!;
  let r = rng();
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items[items.length - 1]!;
};
/** Log-normal minutes around a median: most work is quick, a long tail is not. */
const minutes = (rng: Rng, median: number, spread = 0.8): number => {
  const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return Math.max(0.2, median * Math.exp(spread * z)) * MINUTE;
};

type Op =
  | { kind: 'arrive' }
  | { kind: 'claim' }
  | { kind: 'release' }
  | { kind: 'start' }
  | { kind: 'item'; index: number; system: boolean }
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'ack' }
  | { kind: 'escalate'; level: number; byPerson: boolean }
  | { kind: 'housekeeping'; change: string }
  | { kind: 'reroute' }
  | { kind: 'comment' }
  | { kind: 'resolve'; override: boolean }
  | { kind: 'cancel' };

interface Step {
  at: number;
  task: number;
  op: Op;
}

interface Plan {
  task: Task;
  staff: StaffRef;
}

const NURSES: StaffRef[] = Array.from({ length: 60 }, (_, i) => ({ id: `nurse-${i}`, name: `Nurse ${i}` }));
const CHECKLIST = ['med-rec', 'transport', 'education', 'follow-up-booked', 'pharmacy'];
const REASONS = [
  'eligibility-failed',
  'unmatched-identifier',
  'validation-failed',
  'duplicate-record',
] as const;

function blankTask(id: string, kind: TaskKind, unit: string, priority: Priority, at: number): Task {
  const iso = new Date(at).toISOString();
  const roles: Role[] =
    kind === 'exception'
      ? ['Coordinator']
      : kind === 'result-ack'
        ? ['Nurse', 'ChargeNurse']
        : ['Nurse', 'Coordinator'];
  return {
    id,
    kind,
    title:
      kind === 'discharge'
        ? 'Discharge to home with community nursing follow-up'
        : kind === 'result-ack'
          ? 'Potassium 6.4 mmol/L (critical high)'
          : kind === 'exception'
            ? 'ADT A08 for an unknown identifier: match the patient by hand'
            : 'Repeat observations and fluid balance review',
    detail: 'Synthetic benchmark task; the text is about as long as a real one and means nothing.',
    priority,
    status: 'requested',
    unit,
    candidateRoles: roles,
    patient: {
      ref: `Patient/${id}`,
      name: 'Benchmark Patient',
      mrn: `MRN-${id}`,
      bed: `${unit}-${id.length}`,
    },
    owner: null,
    claimedAt: null,
    checklist:
      kind === 'discharge'
        ? CHECKLIST.map((item, i): ChecklistItem => ({
            id: item,
            label: `Checklist item ${item}`,
            required: i < 3,
            done: false,
            doneBy: null,
            doneAt: null,
          }))
        : [],
    dueAt: null,
    ackBy: null,
    expectedDischargeAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    escalation: { ...NO_ESCALATION, level: 0, nextAt: null, lastAt: null, reason: null },
    exception: null,
    hold: null,
    resolution: null,
    comments: [],
    handover: null,
    handoverDeclined: null,
    handoverAccepted: null,
    revision: 1,
    version: 0,
    seq: 0,
    createdAt: iso,
    updatedAt: iso,
  };
}

/** Each task's life as steps in time; `end` cuts off what has not happened yet (open work stays open). */
function planTask(rng: Rng, index: number, arrival: number): { plan: Plan; steps: Step[] } {
  const unit = pick(rng, UNITS, UNIT_WEIGHTS);
  const kind = pick<TaskKind>(
    rng,
    ['discharge', 'result-ack', 'follow-up', 'exception'],
    [0.35, 0.35, 0.15, 0.15],
  );
  const priority: Priority =
    kind === 'result-ack'
      ? pick<Priority>(rng, ['stat', 'asap', 'urgent', 'routine'], [0.25, 0.15, 0.3, 0.3])
      : pick<Priority>(rng, ['routine', 'urgent', 'asap'], [0.75, 0.2, 0.05]);
  const task = blankTask(`${kind.slice(0, 2)}-${index}`, kind, unit, priority, arrival);
  const staff = pick(rng, NURSES);
  const steps: Step[] = [];
  const at = (t: number, op: Op) => steps.push({ at: t, task: index, op });
  at(arrival, { kind: 'arrive' });

  switch (kind) {
    case 'discharge': {
      const expected = arrival + (3 + rng() * 27) * HOUR;
      task.expectedDischargeAt = new Date(expected).toISOString();
      task.dueAt = new Date(expected - HOUR).toISOString();
      const claim = arrival + minutes(rng, 25);
      if (rng() < 0.05) {
        at(claim, { kind: 'cancel' });
        break;
      }
      at(claim, { kind: 'claim' });
      at(claim + MINUTE, { kind: 'start' });
      let t = claim + MINUTE;
      CHECKLIST.forEach((_, i) => {
        t += minutes(rng, 35);
        at(t, { kind: 'item', index: i, system: i === 1 && rng() < 0.6 });
      });
      // Most leave around an hour before the expected time; late checklists push some past the due time.
      const done = Math.max(t, expected - HOUR - minutes(rng, 45)) + minutes(rng, 10);
      // A hold (waiting for pharmacy) and its resumption, and a comment, all before the discharge.
      if (rng() < 0.15) {
        const hold = claim + (done - claim) * rng();
        at(hold, { kind: 'hold' });
        at(hold + (done - hold) * rng(), { kind: 'resume' });
      }
      if (rng() < 0.4) at(claim + (done - claim) * rng(), { kind: 'comment' });
      // Upstream sends newer snapshots now and then (a bed move, a revised plan).
      for (let n = rng() < 0.6 ? 1 + Math.floor(rng() * 2) : 0; n > 0; n--)
        at(arrival + (done - arrival) * rng(), { kind: 'reroute' });
      if (done > expected - HOUR) at(expected - HOUR, { kind: 'escalate', level: 1, byPerson: false });
      at(done, { kind: 'resolve', override: rng() < 0.05 });
      break;
    }
    case 'result-ack': {
      const critical = priority === 'stat' || priority === 'asap';
      const ackBy = arrival + (critical ? 10 : 60) * MINUTE;
      task.ackBy = new Date(ackBy).toISOString();
      const ack = arrival + minutes(rng, critical ? 6 : 25);
      if (critical && ack > ackBy) {
        at(ackBy, { kind: 'escalate', level: 1, byPerson: false });
        if (ack > ackBy + 10 * MINUTE)
          at(ackBy + 10 * MINUTE, { kind: 'escalate', level: 2, byPerson: false });
      } else if (!critical && rng() < 0.02) {
        at(arrival + minutes(rng, 15), { kind: 'escalate', level: 1, byPerson: true });
      }
      at(ack, { kind: 'ack' });
      if (rng() < 0.5) at(ack + minutes(rng, 5), { kind: 'comment' });
      if (critical && ack > ackBy) at(ack, { kind: 'housekeeping', change: 'escalation-stopped' });
      at(ack + minutes(rng, 20), { kind: 'resolve', override: false });
      break;
    }
    case 'follow-up': {
      const due = arrival + (0.5 + rng() * 6) * HOUR;
      task.dueAt = new Date(due).toISOString();
      let claim = arrival + minutes(rng, 30);
      at(claim, { kind: 'claim' });
      if (rng() < 0.1) {
        const release = claim + minutes(rng, 10);
        at(release, { kind: 'release' });
        claim = release + minutes(rng, 20);
        at(claim, { kind: 'claim' });
      }
      const started = claim + minutes(rng, 15);
      at(started, { kind: 'start' });
      if (rng() < 0.5) at(started + minutes(rng, 20), { kind: 'comment' });
      if (rng() < 0.4) at(arrival + minutes(rng, 20), { kind: 'reroute' });
      const done = started + minutes(rng, 60);
      if (done > due) at(due, { kind: 'housekeeping', change: 'escalation-rescheduled' });
      at(done, { kind: 'resolve', override: false });
      break;
    }
    case 'exception': {
      task.exception = {
        reasonCode: pick(rng, REASONS),
        sourceRef: { system: 'PAS', messageId: `M${index}` },
      };
      const claim = arrival + minutes(rng, 22, 1);
      if (claim > arrival + 30 * MINUTE)
        at(arrival + 30 * MINUTE, { kind: 'escalate', level: 1, byPerson: false });
      at(claim, { kind: 'claim' });
      if (rng() < 0.5) at(claim + minutes(rng, 10), { kind: 'comment' });
      if (rng() < 0.5) at(arrival + minutes(rng, 5), { kind: 'reroute' });
      if (rng() < 0.3) at(claim + minutes(rng, 12), { kind: 'comment' });
      at(claim + minutes(rng, 45), { kind: 'resolve', override: false });
      break;
    }
  }
  return { plan: { task, staff }, steps };
}

/** Applies one step to the task (in place) and names the change row it writes. */
function apply(task: Task, op: Op, actor: StaffRef, now: string): { change: string; detail: string | null } {
  switch (op.kind) {
    case 'arrive':
      return { change: task.kind === 'exception' ? 'exception-raised' : 'routed', detail: null };
    case 'claim':
      task.owner = actor;
      task.claimedAt = now;
      task.status = 'accepted';
      return { change: 'claimed', detail: null };
    case 'release':
      task.owner = null;
      task.claimedAt = null;
      task.status = 'requested';
      return { change: 'released', detail: null };
    case 'start':
      task.status = 'in-progress';
      return { change: 'started', detail: null };
    case 'item': {
      const item = task.checklist[op.index];
      if (item) Object.assign(item, { done: true, doneBy: op.system ? SYSTEM : actor, doneAt: now });
      return op.system
        ? { change: 'progress', detail: null }
        : { change: 'item-done', detail: item?.id ?? null };
    }
    case 'hold':
      task.status = 'on-hold';
      task.hold = { reason: 'Waiting for pharmacy', by: actor, at: now };
      return { change: 'held', detail: 'Waiting for pharmacy' };
    case 'resume':
      task.status = 'in-progress';
      task.hold = null;
      return { change: 'resumed', detail: null };
    case 'ack':
      task.acknowledgedAt = now;
      task.acknowledgedBy = actor;
      task.escalation = { ...task.escalation, nextAt: null };
      return { change: 'acknowledged', detail: null };
    case 'escalate':
      task.escalation = {
        ...NO_ESCALATION,
        level: op.level,
        nextAt: null,
        lastAt: now,
        reason: `level ${op.level}`,
      };
      return {
        change: 'escalated',
        detail: op.byPerson ? 'Needs the charge nurse now' : `level ${op.level}: ChargeNurse (unit)`,
      };
    case 'reroute':
      task.revision += 1;
      return { change: task.kind === 'exception' ? 'exception-updated' : 'rerouted', detail: null };
    case 'housekeeping':
      return { change: op.change, detail: null };
    case 'comment':
      task.comments = [...task.comments, { by: actor, at: now, text: 'Spoke with the family; plan agreed.' }];
      return { change: 'commented', detail: null };
    case 'resolve':
      task.status = 'completed';
      task.owner ??= actor;
      task.acknowledgedAt ??= now;
      task.acknowledgedBy ??= actor;
      task.escalation = { ...task.escalation, nextAt: null };
      task.resolution = {
        outcome: task.kind === 'exception' ? 'fixed' : 'done',
        note: null,
        overrideReason: op.override ? 'Patient left before transport was booked' : null,
        by: actor,
        at: now,
      };
      return { change: op.override ? 'resolved-with-override' : 'resolved', detail: null };
    case 'cancel':
      task.status = 'cancelled';
      task.resolution = {
        outcome: 'cancelled',
        note: 'Plan withdrawn',
        overrideReason: null,
        by: SYSTEM,
        at: now,
      };
      return { change: 'cancelled', detail: null };
  }
}

export interface History {
  rows: number;
  tasks: number;
  from: number;
  to: number;
  /** Open tasks at the end, for the live appends during the query runs. */
  open: Task[];
}

/**
 * Writes exactly `changes` change rows (and the final `tasks` rows) for tasks arriving evenly over `days`
 * up to `end`. Steps after `end` have not happened yet, so the newest work is still open.
 */
export function writeHistory(
  db: Db,
  options: { changes: number; days: number; end: number; seed: number },
): History {
  const start = options.end - options.days * 24 * HOUR;
  // Tasks arrive evenly; how many changes each has written by `end` depends on the mix, so plan once
  // with an estimate, then again with the count that lands on the row target (cut exactly after).
  let taskCount = Math.ceil(options.changes / 6.6);
  let plans: Plan[] = [];
  let steps: Step[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const rng = random(options.seed);
    plans = [];
    steps = [];
    for (let i = 0; i < taskCount; i++) {
      const arrival = start + ((options.end - start - 5 * MINUTE) * i) / taskCount + rng() * MINUTE;
      const planned = planTask(rng, i, Math.round(arrival));
      plans.push(planned.plan);
      for (const step of planned.steps) if (step.at <= options.end) steps.push(step);
    }
    if (steps.length >= options.changes && steps.length < options.changes * 1.0005) break;
    taskCount = Math.ceil((taskCount * options.changes * 1.0002) / steps.length);
  }
  // Stable: a task's own steps at the same instant keep their order.
  steps.sort((a, b) => a.at - b.at);
  steps.length = Math.min(steps.length, options.changes);

  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO changes (seq, task_id, unit, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail, task)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const upsertTask = db.prepare(
    `INSERT INTO tasks (id, unit, kind, status, owner_id, revision, version, seq, next_escalation_at, body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
  );
  const seen = new Set<number>();
  const BATCH = 50_000;
  const writeBatch = db.transaction((from: number, to: number) => {
    for (let seq = from; seq < to; seq++) {
      const step = steps[seq]!;
      const { task, staff } = plans[step.task]!;
      seen.add(step.task);
      const now = new Date(step.at).toISOString();
      const system =
        step.op.kind === 'arrive' || step.op.kind === 'housekeeping' || step.op.kind === 'cancel';
      const actor = system || (step.op.kind === 'escalate' && !step.op.byPerson) ? SYSTEM : staff;
      const { change, detail } = apply(task, step.op, actor, now);
      const before = task.version;
      task.version += 1;
      task.seq = seq + 1;
      task.updatedAt = now;
      insert.run(
        seq + 1,
        task.id,
        task.unit,
        change,
        actor.id,
        actor.name,
        system ? null : `cmd-${seq}`,
        system ? `evt-${seq}` : null,
        before,
        task.version,
        now,
        detail,
        JSON.stringify(task),
      );
    }
  });
  for (let i = 0; i < steps.length; i += BATCH) writeBatch(i, Math.min(steps.length, i + BATCH));
  const writeTasks = db.transaction(() => {
    for (const index of seen) {
      const { task } = plans[index]!;
      upsertTask.run(
        task.id,
        task.unit,
        task.kind,
        task.status,
        task.owner?.id ?? null,
        1,
        task.version,
        task.seq,
        JSON.stringify(task),
      );
    }
  });
  writeTasks();
  db.pragma('synchronous = FULL');
  const open = [...seen]
    .map((i) => plans[i]!.task)
    .filter((t) => t.status !== 'completed' && t.status !== 'cancelled');
  return { rows: steps.length, tasks: seen.size, from: start, to: options.end, open };
}
