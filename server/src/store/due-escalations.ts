/**
 * The escalation scheduler's transaction (docs/STORE.md CL5), apart from the rest of the worklist store
 * because it alone takes several tasks at once. Every relay runs a scheduler on the same rows; this is
 * what makes each (task, level, repeat) fire once.
 */
import { SYSTEM, type Task } from '../../../src/domain';
import type { DueRound, SystemChange } from './contract';
import type { Transaction } from './engine';
import { readTasks } from './transaction-steps';
import { putOutbox, writeChange } from './transaction-steps';
import { upstreamEvent } from './upstream';

/** A round that found a writer on one of its tasks: rolled back, nothing written (CL5). */
export class BusyTasks extends Error {
  constructor(readonly ids: string[]) {
    super('due tasks held by a writer');
  }
}

/**
 * In one transaction: "now" from the database, the due rows nobody else holds (`FOR UPDATE SKIP
 * LOCKED`, so two schedulers never take the same row), each task's advisory lock without waiting (a
 * writer holding one may be waiting for our row: we give way and roll back), then the decision and the
 * writes — seqs taken last, after every read (ST1).
 */
export async function takeDue(
  tx: Transaction,
  kind: 'sqlite' | 'postgres',
  options: {
    change: (task: Task, now: string) => SystemChange | null;
    limit: number;
    skip: readonly string[];
    now: () => Promise<string>;
  },
): Promise<DueRound> {
  const now = await options.now();
  const skipMarks = options.skip.map(() => '?').join(', ');
  const rows = await tx.all<{ id: string }>(
    `SELECT id FROM tasks WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ?
     ${options.skip.length > 0 ? `AND id NOT IN (${skipMarks})` : ''}
     ORDER BY next_escalation_at LIMIT ?${kind === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''}`,
    [now, ...options.skip, options.limit],
  );
  const ids = rows.map((r) => r.id);
  const round: DueRound = { now, committed: [], unchanged: [], busy: [] };
  if (ids.length === 0) return round;
  const held = await tx.tryLock(...ids.map((id) => `task:${id}`));
  const busy = ids.filter((_, i) => !held[i]);
  if (busy.length > 0) throw new BusyTasks(busy);
  const decided: Array<{ current: Task; next: SystemChange }> = [];
  for (const current of await readTasks(tx, ids)) {
    const next = options.change(current, now);
    if (next) decided.push({ current, next });
    else round.unchanged.push(current.id);
  }
  for (const { current, next } of decided) {
    const task: Task = { ...next.task, version: current.version + 1, updatedAt: now };
    const committed = await writeChange(tx, current, task, next.change, SYSTEM, {
      at: now,
      detail: next.detail ?? null,
    });
    await putOutbox(tx, upstreamEvent(next.upstream, committed, SYSTEM, null, now), now);
    round.committed.push(committed);
  }
  return round;
}
