import Dexie, { type DexieOptions, type Table } from 'dexie';
import type { ActionType, AssignBedsCommand, Command, RejectionCode, Task, UnitAssignments } from '../domain';

export interface MetaRow {
  /** `persisted`: the browser's answer to `navigator.storage.persist()` [S12]. */
  key: 'cursor' | 'lastSyncedAt' | 'deviceId' | 'persisted';
  value: number | string | boolean;
}

/**
 * A staff action made on this device and not yet answered by the relay (docs/SYNC.md). Rows leave the
 * outbox only in the transaction that stores the relay's answer [S3, S6]; a rejection moves to
 * `attention` in that same transaction [S7].
 */
export interface OutboxRow {
  /** Order of making on this device (auto-increment): the order of sending [S5]. */
  order?: number;
  command: Command;
  /** `seq` of the device's copy of the task when the action was made (what the person saw). */
  baseSeq: number | null;
  /** Sends that ended without an answer (connection lost, relay error); 0 until the first try. */
  attempts: number;
  lastError: string | null;
}

/** Something the person must read about an action of theirs: the relay refused it [S8]. Kept until dismissed. */
export interface AttentionRow {
  /** The action's commandId. */
  id: string;
  taskId: string;
  type: ActionType;
  code: RejectionCode;
  /** The relay's sentence, e.g. "Already claimed by R. Okafor at 10:42." */
  message: string;
  /** When the person made the action and when the relay refused it (ISO). */
  madeAt: string;
  refusedAt: string;
  /** The task as the relay holds it now, so the notice can show the real state; null if out of view. */
  task: Task | null;
  /**
   * Set when the refused action was a bed assignment (docs/ASSIGNMENTS.md), not a task action: `taskId`
   * is then `beds:<unit>` and the notice links to the Beds screen instead of a task.
   */
  bedsOf?: string;
}

/** A bed assignment made on this device and not yet answered (the assignments' own outbox, [A-P3]). */
export interface BedOutboxRow {
  order?: number;
  command: AssignBedsCommand;
  attempts: number;
  lastError: string | null;
}

/**
 * The worklist on this device: one IndexedDB database per signed-in user (`wardline-<tenant>-<id>`),
 * deleted at sign-out, so the next person on a shared tablet never sees the last one's patients.
 * Patient data lives here and nowhere else on the device (never Cache Storage, never localStorage).
 */
export class WorklistDb extends Dexie {
  tasks!: Table<Task, string>;
  meta!: Table<MetaRow, string>;
  outbox!: Table<OutboxRow, number>;
  attention!: Table<AttentionRow, string>;
  /** Each unit's bed board for the current shift, as the relay last sent it (shown offline). */
  boards!: Table<UnitAssignments, string>;
  bedOutbox!: Table<BedOutboxRow, number>;

  constructor(name: string, options?: DexieOptions) {
    super(name, options);
    // Numbered schema versions (STYLE #11); add a new version, never edit an old one.
    this.version(1).stores({
      tasks: 'id, seq, unit, status, kind, [unit+status]',
      meta: 'key',
    });
    // Only `seq` is queried (the full snapshot's stale check); the app reads the whole worklist and
    // selects in memory. Every index is one more IndexedDB write per task: four of them made a fresh
    // device's 5,000-task sync write ~5 records per task for nothing.
    this.version(2).stores({
      tasks: 'id, seq',
    });
    // The offline outbox and the "Needs attention" list (docs/SYNC.md S1–S8).
    this.version(3).stores({
      outbox: '++order, &command.commandId, command.taskId',
      attention: 'id, refusedAt',
    });
    // Patient assignments (docs/ASSIGNMENTS.md): the unit's bed boards and the bed actions not yet sent.
    this.version(4).stores({
      boards: 'unit',
      bedOutbox: '++order, &command.commandId',
    });
  }
}

export function databaseName(tenantId: string, userId: string): string {
  return `wardline-${tenantId}-${userId}`;
}

export async function readCursor(db: WorklistDb): Promise<number> {
  const row = await db.meta.get('cursor');
  return typeof row?.value === 'number' ? row.value : 0;
}

/**
 * Deletes this user's worklist from the device (sign-out on a shared tablet). Open connections to it
 * are closed first by Dexie, so the deletion is not blocked by the app's own handle.
 */
export async function deleteWorklistDb(tenantId: string, userId: string): Promise<void> {
  await Dexie.delete(databaseName(tenantId, userId));
}

/**
 * Stores the relay's versions of tasks, each only if newer than the device's copy (`seq`) [H8]. Joins the
 * caller's transaction when there is one (an action's answer is stored with its outbox clean-up).
 */
export async function storeNewer(db: WorklistDb, tasks: readonly Task[]): Promise<void> {
  if (tasks.length === 0) return;
  await db.transaction('rw', db.tasks, async () => {
    const current = await db.tasks.bulkGet(tasks.map((t) => t.id));
    const newer = tasks.filter((t, i) => (current[i]?.seq ?? -1) < t.seq);
    if (newer.length > 0) await db.tasks.bulkPut(newer);
  });
}
