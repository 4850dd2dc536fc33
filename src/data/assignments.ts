import { HUB_METHODS, AssignBedsResult, UnitAssignments, type AssignBedsCommand } from '../domain';
import type { AttentionRow, BedOutboxRow, WorklistDb } from './db';

/**
 * The unit's bed boards on this device (docs/ASSIGNMENTS.md [A-P1]–[A-P4]): each board as the relay last
 * sent it, kept in Dexie so the Beds screen and the "Your patient" mark work offline, and the bed actions
 * made here, kept in their own outbox until the relay answers (the same rules as task actions, S2–S8).
 */

/** What the boards need of the hub connection (the sync engine's connection passes through). */
export interface BoardChannel {
  readonly isLive: boolean;
  invoke<T>(method: string, ...args: unknown[]): Promise<T>;
}

/** Stores a board from the relay (an answer or an `assignmentsChanged` push); malformed input is ignored. */
export async function storeBoard(db: WorklistDb, raw: unknown): Promise<void> {
  const parsed = UnitAssignments.safeParse(raw);
  if (!parsed.success) return;
  await db.boards.put(parsed.data);
}

/**
 * Asks the relay for the boards of the person's units (after every connect: pushes missed while away).
 * A refused unit is skipped: the screen says the board is unavailable rather than showing an old one.
 */
export async function refreshBoards(db: WorklistDb, channel: BoardChannel, units: readonly string[]) {
  for (const unit of units) {
    try {
      await storeBoard(db, await channel.invoke<unknown>(HUB_METHODS.assignments, unit));
    } catch {
      // Not a member any more, or the connection dropped: the next connect asks again.
    }
  }
}

/** [A-P3] Records a bed action; the screen shows it at once from this row, and the sender sends it. */
export async function enqueueBeds(db: WorklistDb, command: AssignBedsCommand): Promise<void> {
  await db.bedOutbox.add({ command, attempts: 0, lastError: null });
}

function refusalOf(
  result: AssignBedsResult,
): { code: NonNullable<AssignBedsResult['code']>; message: string } | null {
  const refused =
    result.status === 'rejected' || (result.status === 'duplicate' && result.original === 'rejected');
  if (!refused) return null;
  return {
    code: result.code ?? 'invalid',
    message: result.message ?? 'Wardline refused this bed assignment. Check the Beds screen.',
  };
}

/**
 * [A-P4] The relay's answer in one transaction: its board, the row out of the outbox, and for a refusal
 * ONE "Needs attention" entry with the relay's sentence ("4W-03 is already assigned to D. Brightwater").
 */
export async function settleBeds(
  db: WorklistDb,
  row: BedOutboxRow,
  result: AssignBedsResult,
  now: string = new Date().toISOString(),
): Promise<void> {
  const refusal = refusalOf(result);
  await db.transaction('rw', db.boards, db.bedOutbox, db.attention, async () => {
    if (result.assignments) await db.boards.put(result.assignments);
    await db.bedOutbox.where('command.commandId').equals(row.command.commandId).delete();
    if (refusal) {
      const entry: AttentionRow = {
        id: row.command.commandId,
        taskId: `beds:${row.command.unit}`,
        // Not a task action: the notice reads `bedsOf` and never shows this type.
        type: 'claim',
        code: refusal.code,
        message: refusal.message,
        madeAt: row.command.madeAt,
        refusedAt: now,
        task: null,
        bedsOf: row.command.unit,
      };
      await db.attention.put(entry);
    }
  });
}

const MAX_BED_ATTEMPTS = 5;

/**
 * Sends the bed outbox, oldest first, inside the task outbox's round (its Web Lock, its triggers).
 * Returns false when the connection is not live or dropped mid-send: the round retries later.
 */
export async function drainBeds(db: WorklistDb, channel: BoardChannel): Promise<boolean> {
  for (;;) {
    const row = await db.bedOutbox.orderBy(':id').first();
    if (!row) return true;
    if (!channel.isLive) return false;
    let raw: unknown;
    try {
      raw = await channel.invoke<unknown>(HUB_METHODS.assignBeds, row.command);
    } catch (error) {
      const lastError = error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
      if (!channel.isLive) return false;
      const attempts = row.attempts + 1;
      if (attempts < MAX_BED_ATTEMPTS) {
        await db.bedOutbox.update(row.order!, { attempts, lastError });
        return false;
      }
      raw = {
        status: 'rejected',
        code: 'invalid',
        message: `Wardline could not assign the beds: “${lastError}”`,
        assignments: null,
      };
    }
    const parsed = AssignBedsResult.safeParse(raw);
    const result: AssignBedsResult = parsed.success
      ? parsed.data
      : {
          status: 'rejected',
          code: 'invalid',
          message: 'Wardline gave an answer this device could not read.',
          assignments: null,
        };
    await settleBeds(db, row, result);
  }
}
