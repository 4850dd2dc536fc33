import type { ActionResult, Command } from '../../../src/domain';
import {
  decide,
  type EscalationPolicy,
  type InboundEvent,
  type Principal,
  type RejectionCode,
  type Task,
  SYSTEM,
} from '../../../src/domain';
import { withNextEscalation } from '../escalation/schedule';
import type {
  AuditEntry,
  CommitListener,
  CommittedChange,
  DueRound,
  IngestResult,
  OutboxRow,
  SystemChange,
  WorklistStore,
} from './contract';
import type { StoreEngine, Transaction } from './engine';
import { CommitOrder } from './commit-order';
import { BusyTasks, takeDue } from './due-escalations';
import { ChangeTail, type TailEvents } from './change-tail';
import { noClusterSignals, type ClusterSignals } from './cluster-signals';
import { PostgresEngine } from './postgres-engine';
import { upstreamEvent } from './upstream';
import { applyGroupIn, GroupCommitter } from './event-groups';
import {
  assignBedsIn,
  readBedNurses,
  readAssignments,
  readAudit,
  type AssignBedsOutcome,
  type AssignBedsRequest,
  type AssignmentAuditEntry,
} from './assignment-steps';
import type { BedAssignment, StaffRef } from '../../../src/domain';
import { auditEntryFromRow, taskFromRow, type TaskRow } from './rows';
import { duplicateOf, putOutbox, readTask, TASK_COLUMNS, taskOfRow, writeChange } from './transaction-steps';

export type { AssignBedsOutcome, AssignBedsRequest, AssignmentAuditEntry } from './assignment-steps';
export type {
  AuditEntry,
  CommittedChange,
  IngestResult,
  IngestStatus,
  OutboxRow,
  SystemChange,
  WorklistStore,
} from './contract';

export interface WorklistStoreOptions {
  clock?: () => Date;
  /** The hospital's time zone, for times in messages ("claimed at 10:42"). */
  timeZone?: string;
  policies?: readonly EscalationPolicy[];
  /** Looks up a colleague for `reassign`, from the staff directory. */
  lookupStaff?: (tenantId: string, id: string) => Promise<Principal | null>;
  /**
   * The id of the shift `now` falls in (docs/ASSIGNMENTS.md AS1), for routing new work to a bed's
   * assigned nurse; without it nothing is routed to a nurse.
   */
  shiftIdAt?: (now: Date) => string;
  /** PostgreSQL: what the change tail reports when its connection breaks (docs/STORE.md CL3). */
  tailEvents?: TailEvents;
  /**
   * Where "now" comes from when deciding which escalations are due (CL5): `database` asks PostgreSQL
   * (one clock for every relay); `relay` uses `clock` (SQLite, and tests that move a fake clock).
   */
  dueClock?: 'database' | 'relay';
}

type StoredAnswer = { status: 'applied' } | { status: 'rejected'; code: RejectionCode; message: string };

/**
 * The durable worklist, written once over either engine. Each inbound event and each staff action is
 * one transaction that locks its key and task, reads, decides with the pure domain, takes the next
 * `seq` last, and writes the task, one `changes` row, the inbox or commands row and any outbox row —
 * so a crash leaves all of it or none, and two writers on one task take turns (docs/STORE.md).
 */
export class SqlWorklistStore implements WorklistStore {
  private readonly clock: () => Date;
  private readonly timeZone: string;
  private readonly policies: readonly EscalationPolicy[];
  private readonly lookupStaff: (tenantId: string, id: string) => Promise<Principal | null>;
  /** SQLite: this relay's commits in seq order. PostgreSQL: every relay's, tailed from the log. */
  private readonly order: CommitOrder | ChangeTail;
  private readonly dueClock: 'database' | 'relay';
  private readonly shiftIdAt: ((now: Date) => string) | null;
  /** The last write queued per task: one task's writes start in the order they were asked for. */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Tails that are inbound events queued straight into the group committer (ST17). */
  private readonly eventTails = new WeakSet<Promise<unknown>>();
  private readonly committer: GroupCommitter;

  private constructor(
    readonly engine: StoreEngine,
    lastSeq: number,
    options: WorklistStoreOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.timeZone = options.timeZone ?? 'UTC';
    this.policies = options.policies ?? [];
    this.lookupStaff = options.lookupStaff ?? (() => Promise.resolve(null));
    this.dueClock = engine.kind === 'postgres' ? (options.dueClock ?? 'relay') : 'relay';
    this.order =
      engine instanceof PostgresEngine
        ? new ChangeTail(engine, lastSeq, options.tailEvents)
        : new CommitOrder(lastSeq);
    this.shiftIdAt = options.shiftIdAt ?? null;
    this.committer = new GroupCommitter(
      (events) => this.commitGroup(events),
      () => engine.ping(),
    );
  }

  /** A store over a migrated engine; reads the newest seq so listeners hear changes in order from there. */
  static async open(engine: StoreEngine, options: WorklistStoreOptions = {}): Promise<SqlWorklistStore> {
    const last = await engine.get<{ last: number }>('SELECT COALESCE(MAX(seq), 0) AS last FROM changes');
    const store = new SqlWorklistStore(engine, last?.last ?? 0, options);
    if (store.order instanceof ChangeTail) await store.order.start();
    return store;
  }

  onCommitted(listener: CommitListener): () => void {
    return this.order.subscribe(listener);
  }

  /** Word between the relays of a cluster (PostgreSQL); nothing on SQLite's one relay. */
  get signals(): ClusterSignals {
    return this.order instanceof ChangeTail ? this.order.signals : noClusterSignals;
  }

  async getTask(id: string): Promise<Task | null> {
    return readTask(this.engine, id);
  }

  async lastSeq(): Promise<number> {
    const row = await this.engine.get<{ last: number }>('SELECT COALESCE(MAX(seq), 0) AS last FROM changes');
    return row?.last ?? 0;
  }

  async tasksChangedSince(cursor: number, limit: number): Promise<Task[]> {
    const rows = await this.engine.all<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE seq > ? ORDER BY seq LIMIT ?`,
      [cursor, limit],
    );
    return rows.map(taskFromRow);
  }

  async openTasksOfUnits(units: readonly string[]): Promise<Task[]> {
    if (units.length === 0) return [];
    const marks = units.map(() => '?').join(', ');
    const rows = await this.engine.all<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE unit IN (${marks}) AND status NOT IN ('completed', 'cancelled', 'failed') ORDER BY seq`,
      units,
    );
    return rows.map(taskFromRow);
  }

  async taskStatesSince(taskId: string, seq: number): Promise<Task[]> {
    const atCursor = await this.engine.get<{ task: string; seq: number }>(
      'SELECT task, seq FROM changes WHERE task_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1',
      [taskId, seq],
    );
    const after = await this.engine.all<{ task: string; seq: number }>(
      'SELECT task, seq FROM changes WHERE task_id = ? AND seq > ? ORDER BY seq',
      [taskId, seq],
    );
    const rows = atCursor ? [atCursor, ...after] : after;
    return rows.map((row) => taskFromRow({ id: taskId, body: row.task, seq: row.seq }));
  }

  async auditTrail(taskId: string): Promise<AuditEntry[]> {
    const rows = await this.engine.all<unknown>(
      `SELECT seq, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail
       FROM changes WHERE task_id = ? ORDER BY seq`,
      [taskId],
    );
    return rows.map((row) => auditEntryFromRow(taskId, row));
  }

  async taskAtChange(seq: number): Promise<Task | null> {
    const row = await this.engine.get<{ task_id: string; task: string }>(
      'SELECT task_id, task FROM changes WHERE seq = ?',
      [seq],
    );
    return row ? taskFromRow({ id: row.task_id, body: row.task, seq }) : null;
  }

  /** A bounded set (live work), filtered on the stored body so the store needs no new column. */
  async openTasksWithPendingHandover(): Promise<Task[]> {
    const rows = await this.engine.all<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE owner_id IS NOT NULL AND status NOT IN ('completed', 'cancelled', 'failed') ORDER BY seq`,
    );
    return rows.map(taskFromRow).filter((task) => task.handover !== null);
  }

  async openCountsByOwner(ownerIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (ownerIds.length === 0) return counts;
    const marks = ownerIds.map(() => '?').join(', ');
    const rows = await this.engine.all<{ owner_id: string; open: number | string }>(
      `SELECT owner_id, COUNT(*) AS open FROM tasks WHERE owner_id IN (${marks}) AND status NOT IN ('completed', 'cancelled', 'failed') GROUP BY owner_id`,
      ownerIds,
    );
    // PostgreSQL's COUNT is a BIGINT, returned as text.
    for (const row of rows) counts.set(row.owner_id, Number(row.open));
    return counts;
  }

  /** ST2/ST3, ST17: coalesced with concurrent events into the next group commit. */
  async applyEvent(event: InboundEvent): Promise<IngestResult> {
    const [result] = await this.applyEvents([event]);
    return result!;
  }

  /**
   * ST15–ST18: the events in one transaction, in their order (coalesced with concurrent callers into
   * one group commit); one result per event, handed back after COMMIT. A SQL error fails the whole list.
   */
  applyEvents(events: readonly InboundEvent[]): Promise<IngestResult[]> {
    if (events.length === 0) return Promise.resolve([]);
    const taskIds = [...new Set(events.map((e) => e.data.taskId))];
    // ST4: behind a staff action or a system change still running on one of these tasks, wait for it so
    // the task's writes start in the order they were asked for. Behind another event, the committer's
    // queue keeps the order by itself, so the event may join the same or the next group.
    const waits = taskIds.flatMap((id) => {
      const tail = this.tails.get(id);
      return tail && !this.eventTails.has(tail) ? [tail] : [];
    });
    const run =
      waits.length === 0
        ? this.committer.submit(events)
        : Promise.all(waits).then(() => this.committer.submit(events));
    const tail = run.catch(() => undefined);
    if (waits.length === 0) this.eventTails.add(tail);
    for (const id of taskIds) this.queueTail(id, tail);
    return run;
  }

  /** One group: one transaction, its changes handed to listeners in seq order after COMMIT (ST16). */
  private async commitGroup(events: readonly InboundEvent[]): Promise<IngestResult[]> {
    const now = this.now();
    // A new task may go to its bed's nurse (AS10); the group then locks the unit's board (ST4 order).
    const routes = this.shiftIdAt !== null && events.some((e) => e.type === 'wardline.task.routed');
    const shiftId = routes ? this.shiftIdAt!(new Date(now)) : undefined;
    const group = await this.write((tx) =>
      applyGroupIn(tx, events, { now, policies: this.policies, shiftId }),
    );
    for (const change of group.committed) this.order.committed(change);
    return group.results;
  }

  async bedAssignments(unit: string, shiftId: string): Promise<BedAssignment[]> {
    return readAssignments(this.engine, unit, shiftId);
  }

  async bedNurses(units: readonly string[], shiftId: string): Promise<Map<string, StaffRef>> {
    return readBedNurses(this.engine, units, shiftId);
  }

  async assignmentAudit(unit: string): Promise<AssignmentAuditEntry[]> {
    return readAudit(this.engine, unit);
  }

  async assignBeds(request: AssignBedsRequest): Promise<AssignBedsOutcome> {
    const now = this.now();
    const taken: number[] = [];
    let outcome: AssignBedsOutcome;
    try {
      outcome = await this.engine.transaction(async (tx) => {
        await tx.lock(`assign-command:${request.command.commandId}`, `assign:${request.command.unit}`);
        return assignBedsIn(
          {
            ...tx,
            takeSeq: async () => {
              const seq = await tx.takeSeq();
              taken.push(seq);
              return seq;
            },
          },
          request,
          { now, timeZone: this.timeZone, policies: this.policies },
        );
      });
    } catch (error) {
      for (const seq of taken) this.order.failed(seq);
      throw error;
    }
    for (const change of outcome.moved) this.order.committed(change);
    return outcome;
  }

  async execute(command: Command, actor: Principal): Promise<ActionResult> {
    const now = this.now();
    // Read before the transaction: the directory is another read, and nothing waits inside a transaction.
    const { result, committed } = await this.inTaskOrder(command.taskId, async () => {
      // Reassign and handover offers name a colleague: the directory says who they are (HO2).
      const assignee =
        command.type === 'reassign' || command.type === 'handover.offer'
          ? await this.assigneeFor(actor.tenantId, command.payload)
          : null;
      return this.write(async (tx) => {
        await tx.lock(`command:${command.commandId}`, `task:${command.taskId}`);
        // The stored answer (if any) and the task in one round trip.
        const found = await tx.get<
          Partial<TaskRow> & { actor_id: string | null; task_id: string; result: string }
        >(
          `SELECT c.actor_id, c.task_id, c.result, t.id, t.body, t.seq FROM (SELECT 1 AS one) AS o
           LEFT JOIN commands c ON c.command_id = ? LEFT JOIN tasks t ON t.id = ?`,
          [command.commandId, command.taskId],
        );
        const task = taskOfRow(found);
        if (found?.actor_id)
          return { result: duplicateOf({ ...found, actor_id: found.actor_id }, task, command, actor) };
        const decision = decide(task, command, actor, now, { timeZone: this.timeZone, assignee });
        let stored: StoredAnswer;
        let answer: ActionResult;
        let committed: CommittedChange | undefined;
        if (decision.status === 'rejected') {
          stored = { status: 'rejected', code: decision.code, message: decision.message };
          answer = { ...stored, task: task && decision.code !== 'forbidden' ? task : null };
        } else if (decision.change === null || !task) {
          stored = { status: 'applied' };
          answer = { status: 'applied', task: decision.task };
        } else {
          const next = withNextEscalation(decision.task, this.policies, now);
          committed = await writeChange(tx, task, next, decision.change, actor, {
            commandId: command.commandId,
            at: now,
            detail: decision.detail ?? null,
          });
          await putOutbox(
            tx,
            upstreamEvent(decision.upstream, committed, actor, command.commandId, now),
            now,
          );
          stored = { status: 'applied' };
          answer = { status: 'applied', task: committed.task };
        }
        await tx.run(
          'INSERT INTO commands (command_id, seq, actor_id, task_id, type, result, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [
            command.commandId,
            committed?.seq ?? null,
            actor.id,
            command.taskId,
            command.type,
            JSON.stringify(stored),
            now,
          ],
        );
        return { result: answer, committed };
      });
    });
    if (committed) this.order.committed(committed);
    return result;
  }

  async applySystemChange(
    taskId: string,
    change: (task: Task, now: string) => SystemChange | null,
  ): Promise<CommittedChange | null> {
    const now = this.now();
    const { committed } = await this.inTaskOrder(taskId, () =>
      this.write(async (tx) => {
        await tx.lock(`task:${taskId}`);
        const current = await readTask(tx, taskId);
        if (!current) return { result: null };
        const next = change(current, now);
        if (!next) return { result: null };
        const task: Task = { ...next.task, version: current.version + 1, updatedAt: now };
        const committed = await writeChange(tx, current, task, next.change, SYSTEM, {
          at: now,
          detail: next.detail ?? null,
        });
        await putOutbox(tx, upstreamEvent(next.upstream, committed, SYSTEM, null, now), now);
        return { result: null, committed };
      }),
    );
    if (committed) this.order.committed(committed);
    return committed ?? null;
  }

  async takeDueEscalations(
    change: (task: Task, now: string) => SystemChange | null,
    limit: number,
    skip: readonly string[],
  ): Promise<DueRound> {
    const relayNow = () => this.now();
    try {
      const round = await this.engine.transaction((tx) =>
        takeDue(tx, this.engine.kind, {
          change,
          limit,
          skip,
          now: () => (this.dueClock === 'database' ? tx.now(relayNow) : Promise.resolve(relayNow())),
        }),
      );
      for (const committed of round.committed) this.order.committed(committed);
      return round;
    } catch (error) {
      if (error instanceof BusyTasks)
        return { now: relayNow(), committed: [], unchanged: [], busy: error.ids };
      throw error;
    }
  }

  async dueEscalations(at: string, limit: number): Promise<string[]> {
    const rows = await this.engine.all<{ id: string }>(
      'SELECT id FROM tasks WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ? ORDER BY next_escalation_at LIMIT ?',
      [at, limit],
    );
    return rows.map((r) => r.id);
  }

  async nextEscalationAt(): Promise<string | null> {
    const row = await this.engine.get<{ at: string | null }>(
      'SELECT MIN(next_escalation_at) AS at FROM tasks',
    );
    return row?.at ?? null;
  }

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    const rows = await this.engine.all<{ id: number; task_id: string; type: string; body: string }>(
      'SELECT id, task_id, type, body FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT ?',
      [limit],
    );
    return rows.map((r) => ({ id: Number(r.id), taskId: r.task_id, type: r.type, body: r.body }));
  }

  async markPublished(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const at = this.now();
    await this.engine.transaction(async (tx) => {
      for (const id of ids) await tx.run('UPDATE outbox SET published_at = ? WHERE id = ?', [at, id]);
    });
  }

  async outboxDepth(): Promise<number> {
    const row = await this.engine.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL',
    );
    return Number(row?.n ?? 0);
  }

  /** One write transaction; a failure after a seq was taken tells the commit order (ST6). */
  private async write<R>(work: (tx: Transaction) => Promise<R>): Promise<R> {
    const taken: number[] = [];
    try {
      return await this.engine.transaction((tx) =>
        work({
          ...tx,
          takeSeq: async () => {
            const seq = await tx.takeSeq();
            taken.push(seq);
            return seq;
          },
        }),
      );
    } catch (error) {
      for (const seq of taken) this.order.failed(seq);
      throw error;
    }
  }

  /**
   * Queues `work` behind the previous write of the same task in this relay: Service Bus hands over
   * messages concurrently, and on PostgreSQL two transactions could otherwise reach the task's lock in
   * either order. Other tasks' writes do not wait.
   */
  private inTaskOrder<T>(taskId: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(taskId) ?? Promise.resolve();
    const run = before.then(work, work);
    this.queueTail(
      taskId,
      run.catch(() => undefined),
    );
    return run;
  }

  /** `tail` (never rejecting) is now the last write queued for the task; forgotten once it settles. */
  private queueTail(taskId: string, tail: Promise<unknown>): void {
    this.tails.set(taskId, tail);
    void tail.then(() => {
      if (this.tails.get(taskId) === tail) this.tails.delete(taskId);
    });
  }

  private async assigneeFor(tenantId: string, payload: unknown): Promise<Principal | null> {
    const id = (payload as { to?: { id?: unknown } } | null | undefined)?.to?.id;
    return typeof id === 'string' ? this.lookupStaff(tenantId, id) : null;
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
