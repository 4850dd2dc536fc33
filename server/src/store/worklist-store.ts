import { randomUUID } from 'node:crypto';
import type { ActionResult, Command } from '../../../src/domain';
import {
  applyEvent,
  decide,
  type EscalationPolicy,
  type InboundEvent,
  type Principal,
  type RejectionCode,
  type StaffRef,
  type Task,
  type UpstreamEvent,
  SYSTEM,
} from '../../../src/domain';
import { withNextEscalation } from '../escalation/schedule';
import type { Db } from './database';
import { taskFromRow, type TaskRow } from './rows';

/** The result of one inbound event, as the ingest endpoint and the Service Bus receiver report it. */
export type IngestStatus = 'applied' | 'duplicate' | 'stale' | 'rejected';
export interface IngestResult {
  id: string;
  status: IngestStatus;
  reason?: string;
}

/** What the hub needs to fan a committed change out: the task before and after, and its cursor. */
export interface CommittedChange {
  seq: number;
  task: Task;
  previous: Task | null;
  change: string;
}

export interface AuditEntry {
  seq: number;
  change: string;
  actor: StaffRef;
  commandId: string | null;
  eventId: string | null;
  versionBefore: number;
  versionAfter: number;
  at: string;
  detail: string | null;
}

/** What a relay-made change returns: the new task, the audit name, and what upstream should hear. */
export interface SystemChange {
  task: Task;
  change: string;
  detail?: string | null;
  upstream?: UpstreamEvent | null;
}

export interface OutboxRow {
  id: number;
  taskId: string;
  type: string;
  body: string;
}

export interface WorklistStoreOptions {
  clock?: () => Date;
  /** The hospital's time zone, for times in messages ("claimed at 10:42"). */
  timeZone?: string;
  policies?: readonly EscalationPolicy[];
  /** Looks up a colleague for `reassign`, from the staff directory. */
  lookupStaff?: (tenantId: string, id: string) => Principal | null;
}

type Listener = (change: CommittedChange) => void;

/**
 * The durable worklist. Each inbound event and each staff action is one SQLite transaction that writes
 * the task, one `changes` row (global gap-free seq), the inbox or commands row, and any outbox row —
 * so a crash leaves either all of it or none. better-sqlite3 is synchronous and the relay has one
 * writer, so transactions are serialized: two claims of one task can never interleave.
 */
export class WorklistStore {
  private readonly clock: () => Date;
  private readonly timeZone: string;
  private readonly policies: readonly EscalationPolicy[];
  private readonly lookupStaff: (tenantId: string, id: string) => Principal | null;
  private readonly listeners = new Set<Listener>();
  private readonly q;

  constructor(
    readonly db: Db,
    options: WorklistStoreOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.timeZone = options.timeZone ?? 'UTC';
    this.policies = options.policies ?? [];
    this.lookupStaff = options.lookupStaff ?? (() => null);
    this.q = {
      task: db.prepare<[string], TaskRow>('SELECT id, body, seq FROM tasks WHERE id = ?'),
      upsertTask: db.prepare(
        `INSERT INTO tasks (id, unit, kind, status, owner_id, revision, version, seq, next_escalation_at, body)
         VALUES (@id, @unit, @kind, @status, @ownerId, @revision, @version, @seq, @nextEscalationAt, @body)
         ON CONFLICT (id) DO UPDATE SET unit = excluded.unit, kind = excluded.kind, status = excluded.status,
           owner_id = excluded.owner_id, revision = excluded.revision, version = excluded.version, seq = excluded.seq,
           next_escalation_at = excluded.next_escalation_at, body = excluded.body`,
      ),
      nextSeq: db.prepare<[], { next: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM changes'),
      lastSeq: db.prepare<[], { last: number }>('SELECT COALESCE(MAX(seq), 0) AS last FROM changes'),
      insertChange: db.prepare(
        `INSERT INTO changes (seq, task_id, unit, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail, task)
         VALUES (@seq, @taskId, @unit, @change, @actorId, @actorName, @commandId, @eventId, @versionBefore, @versionAfter, @at, @detail, @task)`,
      ),
      inboxGet: db.prepare<[string], { result: string; reason: string | null }>(
        'SELECT result, reason FROM inbox WHERE event_id = ?',
      ),
      inboxPut: db.prepare(
        'INSERT INTO inbox (event_id, task_id, type, result, reason, received_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      commandGet: db.prepare<[string], { actor_id: string; task_id: string; result: string }>(
        'SELECT actor_id, task_id, result FROM commands WHERE command_id = ?',
      ),
      commandPut: db.prepare(
        'INSERT INTO commands (command_id, seq, actor_id, task_id, type, result, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      outboxPut: db.prepare('INSERT INTO outbox (task_id, type, body, created_at) VALUES (?, ?, ?, ?)'),
      outboxPending: db.prepare<[number], OutboxRow>(
        'SELECT id, task_id AS taskId, type, body FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT ?',
      ),
      outboxMark: db.prepare('UPDATE outbox SET published_at = ? WHERE id = ?'),
      since: db.prepare<[number, number], TaskRow>(
        'SELECT id, body, seq FROM tasks WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      asOf: db.prepare<[string, number], { task: string; seq: number }>(
        'SELECT task, seq FROM changes WHERE task_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1',
      ),
      after: db.prepare<[string, number], { task: string; seq: number }>(
        'SELECT task, seq FROM changes WHERE task_id = ? AND seq > ? ORDER BY seq',
      ),
      due: db.prepare<[string, number], { id: string }>(
        'SELECT id FROM tasks WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ? ORDER BY next_escalation_at LIMIT ?',
      ),
      nextDue: db.prepare<[], { at: string | null }>('SELECT MIN(next_escalation_at) AS at FROM tasks'),
      audit: db.prepare<[string], Record<string, unknown>>(
        `SELECT seq, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail
         FROM changes WHERE task_id = ? ORDER BY seq`,
      ),
    };
  }

  /** Called after each commit, never inside a transaction: listeners may be slow or throw. */
  onCommitted(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getTask(id: string): Task | null {
    const row = this.q.task.get(id);
    return row ? taskFromRow(row) : null;
  }

  /** The cursor of the newest change: what a client that has everything would hold. */
  lastSeq(): number {
    return this.q.lastSeq.get()?.last ?? 0;
  }

  /** Tasks whose last change is after `cursor`, oldest change first: the raw material of `sync`. */
  tasksChangedSince(cursor: number, limit: number): Task[] {
    return this.q.since.all(cursor, limit).map(taskFromRow);
  }

  /** Open tasks on these units (a bounded set: a ward's live work), for re-evaluating a moved person's view. */
  openTasksOfUnits(units: readonly string[]): Task[] {
    if (units.length === 0) return [];
    const marks = units.map(() => '?').join(', ');
    const rows = this.db
      .prepare<string[], TaskRow>(
        `SELECT id, body, seq FROM tasks WHERE unit IN (${marks}) AND status NOT IN ('completed', 'cancelled', 'failed') ORDER BY seq`,
      )
      .all(...units);
    return rows.map(taskFromRow);
  }

  /**
   * Every state the task has had from `seq` on: the one current at `seq` (if it existed) and each one
   * after it. A client holding cursor `seq` may have seen any of them through live pushes.
   */
  taskStatesSince(taskId: string, seq: number): Task[] {
    const atCursor = this.q.asOf.get(taskId, seq);
    const rows = atCursor ? [atCursor, ...this.q.after.all(taskId, seq)] : this.q.after.all(taskId, seq);
    return rows.map((row) => taskFromRow({ id: taskId, body: row.task, seq: row.seq }));
  }

  /** The task as one change left it (its snapshot in the `changes` log), or null for an unknown seq. */
  taskAtChange(seq: number): Task | null {
    const row = this.db
      .prepare<[number], { task_id: string; task: string }>('SELECT task_id, task FROM changes WHERE seq = ?')
      .get(seq);
    return row ? taskFromRow({ id: row.task_id, body: row.task, seq }) : null;
  }

  auditTrail(taskId: string): AuditEntry[] {
    return this.q.audit.all(taskId).map((row) => ({
      seq: row.seq as number,
      change: row.change as string,
      actor: { id: row.actor_id as string, name: row.actor_name as string },
      commandId: (row.command_id as string | null) ?? null,
      eventId: (row.event_id as string | null) ?? null,
      versionBefore: row.version_before as number,
      versionAfter: row.version_after as number,
      at: row.at as string,
      detail: (row.detail as string | null) ?? null,
    }));
  }

  /** Applies one validated inbound event in its own transaction. Re-delivery is harmless. */
  applyEvent(event: InboundEvent): IngestResult {
    const now = this.now();
    let committed: CommittedChange | null = null;
    const result = this.db
      .transaction((): IngestResult => {
        const seen = this.q.inboxGet.get(event.id);
        if (seen) return { id: event.id, status: 'duplicate' };
        const current = this.getTask(event.data.taskId);
        const outcome = applyEvent(current, event, now);
        if (outcome.status === 'rejected')
          return { id: event.id, status: 'rejected', reason: outcome.reason };
        if (outcome.status === 'stale') {
          this.q.inboxPut.run(event.id, event.data.taskId, event.type, 'stale', outcome.reason, now);
          return { id: event.id, status: 'stale', reason: outcome.reason };
        }
        const task = withNextEscalation(outcome.task, this.policies, now);
        committed = this.writeChange(current, task, outcome.change, SYSTEM, { eventId: event.id, at: now });
        this.q.inboxPut.run(event.id, event.data.taskId, event.type, 'applied', null, now);
        return { id: event.id, status: 'applied' };
      })
      .immediate();
    if (committed) this.emit(committed);
    return result;
  }

  /**
   * Executes one staff action in one transaction. A commandId seen before answers `duplicate` with the
   * original outcome; rejections are stored too, so a replayed offline action hears the same answer.
   */
  execute(command: Command, actor: Principal): ActionResult {
    const now = this.now();
    let committed: CommittedChange | null = null;
    const result = this.db
      .transaction((): ActionResult => {
        const seen = this.q.commandGet.get(command.commandId);
        if (seen) return this.duplicateOf(seen, command, actor);
        const task = this.getTask(command.taskId);
        // Reassign and handover offers name a colleague: the directory says who they are (HO2).
        const assignee =
          command.type === 'reassign' || command.type === 'handover.offer'
            ? this.assigneeFor(actor.tenantId, command.payload)
            : null;
        const decision = decide(task, command, actor, now, { timeZone: this.timeZone, assignee });
        let stored: { status: 'applied' } | { status: 'rejected'; code: RejectionCode; message: string };
        let answer: ActionResult;
        if (decision.status === 'rejected') {
          stored = { status: 'rejected', code: decision.code, message: decision.message };
          answer = { ...stored, task: task && decision.code !== 'forbidden' ? task : null };
        } else if (decision.change === null || !task) {
          stored = { status: 'applied' };
          answer = { status: 'applied', task: decision.task };
        } else {
          const next = withNextEscalation(decision.task, this.policies, now);
          committed = this.writeChange(task, next, decision.change, actor, {
            commandId: command.commandId,
            at: now,
            detail: decision.detail ?? null,
          });
          this.enqueueUpstream(decision.upstream, committed, actor, command.commandId, now);
          stored = { status: 'applied' };
          answer = { status: 'applied', task: committed.task };
        }
        const seq = committed ? (committed as CommittedChange).seq : null;
        this.q.commandPut.run(
          command.commandId,
          seq,
          actor.id,
          command.taskId,
          command.type,
          JSON.stringify(stored),
          now,
        );
        return answer;
      })
      .immediate();
    if (committed) this.emit(committed);
    return result;
  }

  /**
   * A change the relay makes itself (an escalation timer firing), in one transaction like any other:
   * `change` sees the current task and returns the new one, or null to leave it as it is.
   */
  applySystemChange(
    taskId: string,
    change: (task: Task, now: string) => SystemChange | null,
  ): CommittedChange | null {
    const now = this.now();
    let committed: CommittedChange | null = null;
    this.db
      .transaction(() => {
        const current = this.getTask(taskId);
        if (!current) return;
        const next = change(current, now);
        if (!next) return;
        const task: Task = { ...next.task, version: current.version + 1, updatedAt: now };
        committed = this.writeChange(current, task, next.change, SYSTEM, {
          at: now,
          detail: next.detail ?? null,
        });
        this.enqueueUpstream(next.upstream, committed, SYSTEM, null, now);
      })
      .immediate();
    if (committed) this.emit(committed);
    return committed;
  }

  /**
   * Open tasks with a handover offer pending (docs/HANDOFFS.md HO7): what the handover watch loads at
   * start. A bounded set (live work), filtered on the stored body so the store needs no new column.
   */
  openTasksWithPendingHandover(): Task[] {
    return this.db
      .prepare<[], TaskRow>(
        `SELECT id, body, seq FROM tasks WHERE owner_id IS NOT NULL AND status NOT IN ('completed', 'cancelled', 'failed') ORDER BY seq`,
      )
      .all()
      .map(taskFromRow)
      .filter((task) => task.handover !== null);
  }

  /** How many open tasks each of these people owns, on any unit (the colleague picker's load, HO10). */
  openCountsByOwner(ownerIds: readonly string[]): Map<string, number> {
    const counts = new Map<string, number>();
    if (ownerIds.length === 0) return counts;
    const marks = ownerIds.map(() => '?').join(', ');
    const rows = this.db
      .prepare<string[], { owner_id: string; open: number }>(
        `SELECT owner_id, COUNT(*) AS open FROM tasks WHERE owner_id IN (${marks}) AND status NOT IN ('completed', 'cancelled', 'failed') GROUP BY owner_id`,
      )
      .all(...ownerIds);
    for (const row of rows) counts.set(row.owner_id, row.open);
    return counts;
  }

  /** Ids of tasks whose next escalation is due at or before `at`, earliest first. */
  dueEscalations(at: string, limit: number): string[] {
    return this.q.due.all(at, limit).map((r) => r.id);
  }

  /** The earliest escalation deadline of any task, or null: what the scheduler sleeps until. */
  nextEscalationAt(): string | null {
    return this.q.nextDue.get()?.at ?? null;
  }

  pendingOutbox(limit: number): OutboxRow[] {
    return this.q.outboxPending.all(limit);
  }

  markPublished(ids: readonly number[]): void {
    const at = this.now();
    this.db.transaction(() => {
      for (const id of ids) this.q.outboxMark.run(at, id);
    })();
  }

  private duplicateOf(
    seen: { actor_id: string; task_id: string; result: string },
    command: Command,
    actor: Principal,
  ): ActionResult {
    if (seen.actor_id !== actor.id || seen.task_id !== command.taskId) {
      return {
        status: 'rejected',
        task: null,
        code: 'invalid',
        message: 'This action id was already used for another action; send it again as a new action.',
      };
    }
    const original = JSON.parse(seen.result) as {
      status: 'applied' | 'rejected';
      code?: RejectionCode;
      message?: string;
    };
    const task = this.getTask(command.taskId);
    return {
      status: 'duplicate',
      task,
      original: original.status,
      ...(original.code ? { code: original.code } : {}),
      ...(original.message ? { message: original.message } : {}),
    };
  }

  private assigneeFor(tenantId: string, payload: unknown): Principal | null {
    const id = (payload as { to?: { id?: unknown } } | null | undefined)?.to?.id;
    return typeof id === 'string' ? this.lookupStaff(tenantId, id) : null;
  }

  private writeChange(
    previous: Task | null,
    task: Task,
    change: string,
    actor: StaffRef,
    meta: { at: string; eventId?: string; commandId?: string; detail?: string | null },
  ): CommittedChange {
    const seq = this.q.nextSeq.get()?.next ?? 1;
    const stored: Task = { ...task, seq };
    const body = JSON.stringify(stored);
    this.q.upsertTask.run({
      id: stored.id,
      unit: stored.unit,
      kind: stored.kind,
      status: stored.status,
      ownerId: stored.owner?.id ?? null,
      revision: stored.revision,
      version: stored.version,
      seq,
      nextEscalationAt: stored.escalation.nextAt,
      body,
    });
    this.q.insertChange.run({
      seq,
      taskId: stored.id,
      unit: stored.unit,
      change,
      actorId: actor.id,
      actorName: actor.name,
      commandId: meta.commandId ?? null,
      eventId: meta.eventId ?? null,
      versionBefore: previous?.version ?? 0,
      versionAfter: stored.version,
      at: meta.at,
      detail: meta.detail ?? null,
      task: body,
    });
    return { seq, task: stored, previous, change };
  }

  /** Staff actions upstream learns about, as CloudEvents: ids only, never patient data. */
  private enqueueUpstream(
    upstream: UpstreamEvent | null | undefined,
    committed: CommittedChange,
    actor: { id: string; tenantId?: string },
    commandId: string | null,
    now: string,
  ): void {
    if (!upstream) return;
    const type =
      upstream === 'exception.resolved' ? 'wardline.exception.resolved' : `wardline.task.${upstream}`;
    const task = committed.task;
    const event = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'urn:wardline:relay',
      type,
      subject: task.id,
      time: now,
      datacontenttype: 'application/json',
      data: {
        taskId: task.id,
        revision: task.revision,
        version: task.version,
        seq: committed.seq,
        status: task.status,
        actor: { id: actor.id, tenantId: actor.tenantId ?? null },
        commandId,
        ownerId: task.owner?.id ?? null,
        // Ownership changes hands (reassign, release on behalf, handover): whose it was, by id (HO11).
        previousOwnerId: committed.previous?.owner?.id ?? null,
        ...(upstream === 'handover.offered' && task.handover ? { handoverToId: task.handover.to.id } : {}),
        ...(task.resolution
          ? { outcome: task.resolution.outcome, overridden: task.resolution.overrideReason !== null }
          : {}),
        ...(upstream === 'escalated' ? { level: task.escalation.level } : {}),
      },
    };
    this.q.outboxPut.run(task.id, type, JSON.stringify(event), now);
  }

  private emit(change: CommittedChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A failing listener (a hub fan-out bug) must not undo or block a committed change.
      }
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
