/**
 * The store contract: everything the hub, ingest, the Service Bus receiver, the escalation scheduler,
 * the outbox publisher and the routes may ask of the worklist's storage. One asynchronous interface,
 * two engines under it (SQLite, PostgreSQL); no caller knows which one it talks to. The guarantees each
 * method gives are numbered rules in docs/STORE.md (ST1…), cited by the contract tests.
 *
 * Adding a method: declare it here with the rule it keeps, implement it once in SqlWorklistStore
 * (worklist-store.ts) in portable SQL through the engine, and add a case to
 * tests/integration/store-contract.test.ts, which runs it against both engines (docs/STORE.md).
 */
import type {
  ActionResult,
  Command,
  InboundEvent,
  Principal,
  Task,
  UpstreamEvent,
} from '../../../src/domain';
import type { AuditEntry } from './rows';
import type { BedAssignment, StaffRef } from '../../../src/domain';
import type { AssignBedsOutcome, AssignBedsRequest, AssignmentAuditEntry } from './assignment-steps';

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
  /** Who made it (`system` for the relay's own changes: an escalation timer firing). */
  actorId?: string;
}

/** One round of the escalation scheduler (docs/STORE.md CL5). */
export interface DueRound {
  /** The time the round decided by: the database's clock on PostgreSQL. */
  now: string;
  /** The changes written (firings and moved deadlines), committed in one transaction. */
  committed: CommittedChange[];
  /** Due tasks taken and looked at but left as they were. */
  unchanged: string[];
  /** Due tasks a writer held at that moment: nothing was written this round; try again shortly. */
  busy: string[];
}

export type { AuditEntry } from './rows';

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

export type CommitListener = (change: CommittedChange) => void;

export interface WorklistStore {
  /** ST6: called after each commit, in `seq` order, never inside a transaction; listeners may throw. */
  onCommitted(listener: CommitListener): () => void;

  getTask(id: string): Promise<Task | null>;
  /** The cursor of the newest committed change: what a client that has everything would hold. */
  lastSeq(): Promise<number>;
  /** Tasks whose last change is after `cursor`, oldest change first: the raw material of `sync` (ST1). */
  tasksChangedSince(cursor: number, limit: number): Promise<Task[]>;
  /** Open tasks on these units, for re-evaluating a moved person's view. */
  openTasksOfUnits(units: readonly string[]): Promise<Task[]>;
  /** Every state the task has had from `seq` on: the one current at `seq` and each one after it. */
  taskStatesSince(taskId: string, seq: number): Promise<Task[]>;
  /** ST5: every change of one task, oldest first. */
  auditTrail(taskId: string): Promise<AuditEntry[]>;
  /** The task as one change left it (its snapshot in the `changes` log), or null for an unknown seq. */
  taskAtChange(seq: number): Promise<Task | null>;
  /** Open tasks with a handover offer pending (docs/HANDOFFS.md HO7): what the handover watch loads. */
  openTasksWithPendingHandover(): Promise<Task[]>;
  /** How many open tasks each of these people owns, on any unit (the colleague picker's load, HO10). */
  openCountsByOwner(ownerIds: readonly string[]): Promise<Map<string, number>>;

  /**
   * ST2/ST3: a repeated event id is `duplicate`, an older revision `stale`. Resolves after its commit,
   * which it may share with concurrent events (ST17).
   */
  applyEvent(event: InboundEvent): Promise<IngestResult>;
  /**
   * ST15–ST16: the events in ONE transaction, in their order, one result per event (a rejected,
   * duplicate or stale event never stops the others); resolves after COMMIT. A SQL error fails them all.
   */
  applyEvents(events: readonly InboundEvent[]): Promise<IngestResult[]>;
  /** ST2/ST4: one transaction; a repeated commandId gets its stored answer, rejections included. */
  execute(command: Command, actor: Principal): Promise<ActionResult>;
  /**
   * A change the relay makes itself (an escalation timer firing), in one transaction like any other:
   * `change` sees the current task and returns the new one, or null to leave it as it is. `change` must
   * be pure (it runs inside the transaction).
   */
  applySystemChange(
    taskId: string,
    change: (task: Task, now: string) => SystemChange | null,
  ): Promise<CommittedChange | null>;

  /**
   * CL5: one transaction takes up to `limit` due tasks no other relay holds (`FOR UPDATE SKIP LOCKED`
   * on PostgreSQL), decides each with `change` at the database's "now", and writes what changed —
   * the firing and its outbox row commit with the rows' release. `skip`: ids not to take this round.
   */
  takeDueEscalations(
    change: (task: Task, now: string) => SystemChange | null,
    limit: number,
    skip: readonly string[],
  ): Promise<DueRound>;
  /** ST8: ids of tasks whose next escalation is due at or before `at`, earliest first. */
  dueEscalations(at: string, limit: number): Promise<string[]>;
  /** ST8: the earliest escalation deadline of any task, or null: what the scheduler sleeps until. */
  nextEscalationAt(): Promise<string | null>;

  /** AS3: the assigned beds of a unit in a shift (an unassigned bed has no entry), sorted by bed. */
  bedAssignments(unit: string, shiftId: string): Promise<BedAssignment[]>;
  /** AS13: the nurse of every assigned bed of these units in a shift, keyed by `bedKey(unit, bed)`; one query. */
  bedNurses(units: readonly string[], shiftId: string): Promise<Map<string, StaffRef>>;
  /**
   * AS4–AS8, AS12, AS15: one transaction; a repeated commandId gets its stored answer. An applied
   * command writes the board, the audit and the work that follows the beds (`moved`, already committed).
   */
  assignBeds(request: AssignBedsRequest): Promise<AssignBedsOutcome>;
  /** AS15: who assigned whom to which bed, when, oldest first. */
  assignmentAudit(unit: string): Promise<AssignmentAuditEntry[]>;

  /** ST7: unpublished outbox rows in commit order. */
  pendingOutbox(limit: number): Promise<OutboxRow[]>;
  markPublished(ids: readonly number[]): Promise<void>;
  /** Unpublished outbox rows, for the `outboxDepth` gauge. */
  outboxDepth(): Promise<number>;
}
