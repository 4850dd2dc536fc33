/**
 * The statements one write transaction of the worklist store is made of (worklist-store.ts): each
 * takes the transaction it runs in. Portable SQL, `?` placeholders (docs/STORE.md).
 */
import type {
  ActionResult,
  Command,
  InboundEvent,
  Principal,
  RejectionCode,
  StaffRef,
  Task,
} from '../../../src/domain';
import type { CommittedChange } from './contract';
import type { SqlValue, Transaction } from './engine';
import { taskFromRow, type TaskRow } from './rows';

export const TASK_COLUMNS = 'id, body, seq';

export async function readTask(sql: Pick<Transaction, 'get'>, id: string): Promise<Task | null> {
  const row = await sql.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`, [id]);
  return row ? taskFromRow(row) : null;
}

/** Several tasks in one round trip, in the order of `ids` (missing ones left out). */
export async function readTasks(sql: Pick<Transaction, 'all'>, ids: readonly string[]): Promise<Task[]> {
  if (ids.length === 0) return [];
  const rows = await sql.all<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  const byId = new Map(rows.map((row) => [row.id, taskFromRow(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A task from a row that may have come from a LEFT JOIN finding none. */
export function taskOfRow(row: Partial<TaskRow> | undefined): Task | null {
  return row?.id && row.body !== undefined && row.seq !== undefined
    ? taskFromRow({ id: row.id, body: row.body, seq: Number(row.seq) })
    : null;
}

/** An inbox row's values, in INBOX_COLUMNS order: written at once or buffered by a group (ST15). */
export function inboxRow(
  event: InboundEvent,
  result: 'applied' | 'stale',
  reason: string | null,
  now: string,
): SqlValue[] {
  return [event.id, event.data.taskId, event.type, result, reason, now];
}

const INBOX_COLUMNS = 'event_id, task_id, type, result, reason, received_at';
const CHANGE_COLUMNS =
  'seq, task_id, unit, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail, task';
/** Rows per multi-row INSERT: well under both engines' limits on bound values. */
const ROWS_PER_INSERT = 200;

/** Inserts rows (each in its table's column order) with as few statements as the limits allow. */
async function insertRows(
  tx: Transaction,
  table: 'inbox' | 'changes',
  rows: readonly SqlValue[][],
): Promise<void> {
  const columns = table === 'inbox' ? INBOX_COLUMNS : CHANGE_COLUMNS;
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    const chunk = rows.slice(at, at + ROWS_PER_INSERT);
    const marks = chunk.map((row) => `(${row.map(() => '?').join(', ')})`).join(', ');
    await tx.run(`INSERT INTO ${table} (${columns}) VALUES ${marks}`, chunk.flat());
  }
}

export const insertInboxRows = (tx: Transaction, rows: readonly SqlValue[][]) =>
  insertRows(tx, 'inbox', rows);
export const insertChangeRows = (tx: Transaction, rows: readonly SqlValue[][]) =>
  insertRows(tx, 'changes', rows);

export async function putOutbox(
  tx: Transaction,
  event: { taskId: string; type: string; body: string } | null,
  now: string,
): Promise<void> {
  if (!event) return;
  await tx.run('INSERT INTO outbox (task_id, type, body, created_at) VALUES (?, ?, ?, ?)', [
    event.taskId,
    event.type,
    event.body,
    now,
  ]);
}

export function duplicateOf(
  seen: { actor_id: string; task_id: string; result: string },
  task: Task | null,
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
  return {
    status: 'duplicate',
    task,
    original: original.status,
    ...(original.code ? { code: original.code } : {}),
    ...(original.message ? { message: original.message } : {}),
  };
}

/** Writes the task's new state and its `changes` row under the next seq, taken here, last (ST1). */
export async function writeChange(
  tx: Transaction,
  previous: Task | null,
  task: Task,
  change: string,
  actor: StaffRef,
  meta: ChangeMeta,
): Promise<CommittedChange> {
  const written = await writeTaskTakingSeq(tx, previous, task, change, actor, meta);
  await insertChangeRows(tx, [written.changeRow]);
  return written.committed;
}

interface ChangeMeta {
  at: string;
  eventId?: string;
  commandId?: string;
  detail?: string | null;
}

/**
 * Takes the next seq and writes the task's row under it; its `changes` row is returned for the caller
 * to insert — at once (`writeChange`) or with the rest of its group in one statement (ST15).
 */
export async function writeTaskTakingSeq(
  tx: Transaction,
  previous: Task | null,
  task: Task,
  change: string,
  actor: StaffRef,
  meta: ChangeMeta,
): Promise<{ committed: CommittedChange; changeRow: SqlValue[] }> {
  const seq = await tx.takeSeq();
  const stored: Task = { ...task, seq };
  const body = JSON.stringify(stored);
  await tx.run(
    `INSERT INTO tasks (id, unit, kind, status, owner_id, revision, version, seq, next_escalation_at, body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET unit = excluded.unit, kind = excluded.kind, status = excluded.status,
       owner_id = excluded.owner_id, revision = excluded.revision, version = excluded.version, seq = excluded.seq,
       next_escalation_at = excluded.next_escalation_at, body = excluded.body`,
    [
      stored.id,
      stored.unit,
      stored.kind,
      stored.status,
      stored.owner?.id ?? null,
      stored.revision,
      stored.version,
      seq,
      stored.escalation.nextAt,
      body,
    ],
  );
  const changeRow: SqlValue[] = [
    seq,
    stored.id,
    stored.unit,
    change,
    actor.id,
    actor.name,
    meta.commandId ?? null,
    meta.eventId ?? null,
    previous?.version ?? 0,
    stored.version,
    meta.at,
    meta.detail ?? null,
    body,
  ];
  return { committed: { seq, task: stored, previous, change, actorId: actor.id }, changeRow };
}
