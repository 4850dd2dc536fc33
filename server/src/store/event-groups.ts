/**
 * Group commit of inbound events (docs/STORE.md ST15–ST18). One durable commit per event made the
 * commit (an fsync, on PostgreSQL a round trip to the disk and the standby) the ceiling of ingest: at
 * 100 events/s on PostgreSQL, clients waited seconds. Here a list of events is applied in ONE
 * transaction, in its order, and concurrent single events are coalesced into the next such group.
 */
import {
  applyEvent as decideEvent,
  routeToAssignedNurse,
  SYSTEM,
  type EscalationPolicy,
  type InboundEvent,
  type Task,
} from '../../../src/domain';
import { withNextEscalation } from '../escalation/schedule';
import { readAssignments, seedFromEhr, writeFollow } from './assignment-steps';
import type { CommittedChange, IngestResult } from './contract';
import type { SqlValue, Transaction } from './engine';
import {
  inboxRow,
  insertChangeRows,
  insertInboxRows,
  readTasks,
  writeTaskTakingSeq,
} from './transaction-steps';

/** ST17: the most events one coalesced group holds; a bigger explicit list is its own group. */
export const MAX_GROUP_EVENTS = 200;

export interface GroupContext {
  /** One "now" for the whole group: every event of it commits at the same moment. */
  now: string;
  policies: readonly EscalationPolicy[];
  /** The shift `now` falls in, for routing a new task to its bed's nurse (AS10); undefined: no routing. */
  shiftId: string | undefined;
}

export interface AppliedGroup {
  results: IngestResult[];
  /** Every change written, in seq order (an arrival routed to its nurse is two). */
  committed: CommittedChange[];
}

/**
 * The advisory locks a group takes, all at once before it reads anything, in the one order every
 * writer takes them (ST4): event ids, then unit boards, then tasks — sorted within each kind, so two
 * groups (or a group and assignBeds, which sorts its tasks too) never wait for each other in a circle.
 * Nothing is locked after the first seq is taken: the counter row stays the last lock (ST1).
 */
export function groupLockKeys(events: readonly InboundEvent[], context: GroupContext): string[] {
  const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();
  const boards =
    context.shiftId === undefined
      ? []
      : events.flatMap((e) => (e.type === 'wardline.task.routed' ? [`assign:${e.data.unit}`] : []));
  return [
    ...sorted(events.map((e) => `event:${e.id}`)),
    ...sorted(boards),
    ...sorted(events.map((e) => `task:${e.data.taskId}`)),
  ];
}

/**
 * Applies `events` in order inside `tx` (which the caller commits). A rejected, duplicate or stale
 * event is a domain outcome: it writes nothing (stale: its inbox row) and the next event goes on. Any
 * SQL error throws, and the caller's rollback leaves none of the group.
 *
 * Round trips, not commits, are what a group costs on PostgreSQL: the inbox and the tasks are read
 * for the whole group in two statements (under the group's locks nobody else changes them), each event
 * is decided against that state as the events before it left it, and the append-only rows (`changes`,
 * `inbox`) go out in multi-row INSERTs at the end. Per applied event: its seq and its task row.
 */
export async function applyGroupIn(
  tx: Transaction,
  events: readonly InboundEvent[],
  context: GroupContext,
): Promise<AppliedGroup> {
  await tx.lock(...groupLockKeys(events, context));
  const state = await readGroupState(tx, events);
  const results: IngestResult[] = [];
  const committed: CommittedChange[] = [];
  for (const event of events) {
    const applied = await applyOneIn(tx, event, context, state);
    results.push(applied.result);
    committed.push(...applied.committed);
  }
  await insertChangeRows(tx, state.changeRows);
  await insertInboxRows(tx, state.inboxRows);
  return { results, committed };
}

interface GroupState {
  /** Event ids in the inbox, including those this group has applied or found stale so far. */
  seen: Set<string>;
  /** Each task of the group as the events so far left it (null: not known). */
  tasks: Map<string, Task | null>;
  changeRows: SqlValue[][];
  inboxRows: SqlValue[][];
}

async function readGroupState(tx: Transaction, events: readonly InboundEvent[]): Promise<GroupState> {
  const eventIds = [...new Set(events.map((e) => e.id))];
  const taskIds = [...new Set(events.map((e) => e.data.taskId))];
  const seen = await tx.all<{ event_id: string }>(
    `SELECT event_id FROM inbox WHERE event_id IN (${eventIds.map(() => '?').join(', ')})`,
    eventIds,
  );
  const tasks = new Map<string, Task | null>(taskIds.map((id) => [id, null]));
  for (const task of await readTasks(tx, taskIds)) tasks.set(task.id, task);
  return { seen: new Set(seen.map((r) => r.event_id)), tasks, changeRows: [], inboxRows: [] };
}

async function applyOneIn(
  tx: Transaction,
  event: InboundEvent,
  { now, policies, shiftId }: GroupContext,
  state: GroupState,
): Promise<{ result: IngestResult; committed: CommittedChange[] }> {
  const taskId = event.data.taskId;
  if (state.seen.has(event.id)) return { result: { id: event.id, status: 'duplicate' }, committed: [] };
  const current = state.tasks.get(taskId) ?? null;
  const outcome = decideEvent(current, event, now);
  if (outcome.status === 'rejected')
    return { result: { id: event.id, status: 'rejected', reason: outcome.reason }, committed: [] };
  state.seen.add(event.id);
  if (outcome.status === 'stale') {
    state.inboxRows.push(inboxRow(event, 'stale', outcome.reason, now));
    return { result: { id: event.id, status: 'stale', reason: outcome.reason }, committed: [] };
  }
  const task = withNextEscalation(outcome.task, policies, now);
  // The history credits the system that sent it (the event's `source`), not "Wardline".
  const { committed: change, changeRow } = await writeTaskTakingSeq(
    tx,
    current,
    task,
    outcome.change,
    SYSTEM,
    {
      eventId: event.id,
      at: now,
      detail: event.source,
    },
  );
  state.changeRows.push(changeRow);
  state.inboxRows.push(inboxRow(event, 'applied', null, now));
  state.tasks.set(taskId, change.task);
  const routedShift = event.type === 'wardline.task.routed' ? shiftId : undefined;
  const hint = event.type === 'wardline.task.routed' ? event.data.patient.assignedNurse : undefined;
  const bed = change.task.patient?.bed;
  if (hint && bed && routedShift !== undefined)
    await seedFromEhr(tx, {
      unit: change.task.unit,
      bed,
      nurseId: hint.id,
      shiftId: routedShift,
      eventId: event.id,
      now,
    });
  const routed =
    current === null && routedShift !== undefined
      ? await routeToBedNurse(tx, change.task, routedShift, now, policies)
      : undefined;
  if (!routed) return { result: { id: event.id, status: 'applied' }, committed: [change] };
  state.tasks.set(taskId, routed.task);
  return { result: { id: event.id, status: 'applied' }, committed: [change, routed] };
}

/** AS10: the arrival's second change, in its transaction: the bed's nurse this shift owns it. */
async function routeToBedNurse(
  tx: Transaction,
  task: Task,
  shiftId: string,
  now: string,
  policies: readonly EscalationPolicy[],
): Promise<CommittedChange | undefined> {
  const bed = task.patient?.bed;
  if (!bed) return undefined;
  const [assignment] = await readAssignments(tx, task.unit, shiftId, [bed]);
  const follow = routeToAssignedNurse(task, assignment?.nurse ?? null, now);
  if (!follow) return undefined;
  return writeFollow(tx, task, follow, { now, policies });
}

interface Unit {
  events: readonly InboundEvent[];
  resolve(results: IngestResult[]): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent calls into groups (ST17). The first call when idle starts a commit at once (on
 * the next microtask, so calls made in the same synchronous run join it); calls arriving while a group
 * is committing wait and ride the next one, up to MAX_GROUP_EVENTS. One group runs at a time — the
 * counter row serializes commits anyway. A caller's list is never split. Results are handed back only
 * after COMMIT returned (durable before acknowledged). A group that fails is retried caller by caller
 * when the database still answers, so one caller's SQL error never fails another's events; when it does
 * not answer, every caller gets the error and retries on its own.
 */
export class GroupCommitter {
  private pending: Unit[] = [];
  private running = false;
  private scheduled = false;

  constructor(
    private readonly commit: (events: readonly InboundEvent[]) => Promise<IngestResult[]>,
    private readonly healthy: () => Promise<boolean>,
    private readonly maxEvents = MAX_GROUP_EVENTS,
  ) {}

  submit(events: readonly InboundEvent[]): Promise<IngestResult[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ events, resolve, reject });
      if (this.running || this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.length > 0) await this.run(this.take());
    } finally {
      this.running = false;
    }
  }

  /** The oldest callers, in arrival order, as many as fit the bound (the first always goes). */
  private take(): Unit[] {
    const group = [this.pending.shift()!];
    let size = group[0]!.events.length;
    while (this.pending.length > 0 && size + this.pending[0]!.events.length <= this.maxEvents) {
      const unit = this.pending.shift()!;
      size += unit.events.length;
      group.push(unit);
    }
    return group;
  }

  private async run(group: Unit[]): Promise<void> {
    try {
      const results = await this.commit(group.flatMap((unit) => unit.events));
      let at = 0;
      for (const unit of group) {
        unit.resolve(results.slice(at, at + unit.events.length));
        at += unit.events.length;
      }
    } catch (error) {
      if (group.length === 1 || !(await this.healthy())) {
        for (const unit of group) unit.reject(error);
        return;
      }
      for (const unit of group) {
        try {
          unit.resolve(await this.commit(unit.events));
        } catch (alone) {
          unit.reject(alone);
        }
      }
    }
  }
}
