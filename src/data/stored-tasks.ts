import { Task } from '../domain';
import { readCursor, type WorklistDb } from './db';
import { nextTask } from './next-task';

/**
 * [S14] Tasks on the device are checked against the task schema when the workspace opens, before any
 * view reads them: once per page load, not on every live read of 5,000 rows. Everything written later
 * came through a parse (sync pages, pushes, action answers), so only rows from an older build, a
 * half-applied migration or a hand edit can fail. A row that fails is not shown half-formed: it is
 * dropped and the cursor wound back to just before it, so the next catch-up brings the relay's copy.
 */

/**
 * How long one slice of checking may run before yielding to the browser: a 5,000-task device never
 * blocks a tap for long, and on a slow phone (Lighthouse's 4× CPU) a fixed 500 rows took 100+ ms.
 */
const SLICE_MS = 8;
/** Rows checked between looks at the clock. */
const ROWS_PER_LOOK = 20;

export interface UnreadableRows {
  ids: string[];
  /** The cursor that makes the relay send every one of them again; null when all rows parse. */
  rewindTo: number | null;
}

/** Which stored rows no longer parse as a task, and the cursor that fetches them again. */
export function findUnreadable(rows: readonly unknown[]): UnreadableRows {
  const ids: string[] = [];
  let rewindTo: number | null = null;
  for (const row of rows) {
    if (Task.safeParse(row).success) continue;
    const record = (typeof row === 'object' && row !== null ? row : {}) as { id?: unknown; seq?: unknown };
    if (typeof record.id === 'string') ids.push(record.id);
    // The relay's copy has a `seq` at least the stored one; without a readable one, ask for everything.
    const seq = typeof record.seq === 'number' && Number.isSafeInteger(record.seq) ? record.seq : 0;
    rewindTo = Math.max(0, Math.min(rewindTo ?? Infinity, seq - 1));
  }
  return { ids, rewindTo };
}

/** Drops the device's unreadable task rows and winds the cursor back for them; returns how many. */
export async function dropUnreadableTasks(db: WorklistDb): Promise<number> {
  const rows: unknown[] = await db.tasks.toArray();
  // Reading 5,000 rows out of IndexedDB is a long task of its own: checking starts in the next one.
  await nextTask();
  const ids: string[] = [];
  let rewindTo: number | null = null;
  let sliceStart = performance.now();
  // The first row goes alone: it also pays for the schema's first parse, so 20 with it can block long.
  for (let from = 0, take = 1; from < rows.length; from += take, take = ROWS_PER_LOOK) {
    if (from > 0 && performance.now() - sliceStart >= SLICE_MS) {
      await nextTask();
      sliceStart = performance.now();
    }
    const slice = findUnreadable(rows.slice(from, from + take));
    ids.push(...slice.ids);
    if (slice.rewindTo !== null) rewindTo = Math.min(rewindTo ?? Infinity, slice.rewindTo);
  }
  if (rewindTo === null) return 0;
  const cursorBack = rewindTo;
  await db.transaction('rw', db.tasks, db.meta, async () => {
    await db.tasks.bulkDelete(ids);
    const cursor = await readCursor(db);
    if (cursor > cursorBack) await db.meta.put({ key: 'cursor', value: cursorBack });
  });
  return ids.length;
}

/**
 * A new read of the stored tasks with the previous read's objects kept wherever a task is unchanged (same
 * id and `seq`: a stored task is only ever replaced by a higher `seq` [H8]), and the previous array itself
 * when every task is unchanged and none came or went. Memoized views then skip what a re-read did not
 * change; a fresh device's read of the snapshot it has just shown changes nothing at all [S9].
 */
export function keepUnchanged(previous: readonly Task[] | undefined, next: Task[]): Task[] {
  if (!previous || previous.length === 0) return next;
  const before = new Map(previous.map((task) => [task.id, task]));
  let kept = 0;
  const merged = next.map((task) => {
    const old = before.get(task.id);
    if (old === undefined || old.seq !== task.seq) return task;
    kept++;
    return old;
  });
  return kept === previous.length && next.length === previous.length ? (previous as Task[]) : merged;
}
