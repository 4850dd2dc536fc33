import { isClosed, visibleTo, type Principal, type SyncPage, type Task } from '../../../src/domain';

export type { SyncPage };
import type { WorklistStore } from '../store/contract';

/** How many changed tasks one `sync` page looks at; a page holds at most this many tasks. */
export const SYNC_PAGE_SCAN = 1_000;

/**
 * How many tasks the caller cannot see one page may look up the history of (to tell whether the caller
 * saw them before). Each look-up is two queries; a page of a thousand would let one `sync` of someone
 * on another unit hold the relay for tens of milliseconds. The page ends early instead, incomplete.
 */
export const SYNC_PAGE_LOOKUPS = 100;

/**
 * Finished work stays on devices for a day ("done today"); older finished work is only reported as
 * removed, so a fresh tablet does not download the ward's whole history.
 */
export const CLOSED_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * One page of "what changed for me since `cursor`" (docs/HUB.md H1). The tasks table holds each task's
 * newest state under the seq of its last change, so scanning by seq never misses a change made while
 * paging: a task changed again simply reappears further on.
 */
export async function syncPage(
  store: WorklistStore,
  principal: Principal,
  cursor: number,
  now: Date,
  scan = SYNC_PAGE_SCAN,
  lookups = SYNC_PAGE_LOOKUPS,
): Promise<SyncPage> {
  const from = Math.max(0, Math.floor(cursor));
  const retainedSince = now.getTime() - CLOSED_RETENTION_MS;
  // One row more than a page: when it is absent this page is the last, and says so (a fresh device's
  // 5,000 tasks end on their fifth page instead of asking for an empty sixth: one round trip and one
  // IndexedDB transaction less, ~100 ms of a 1 s budget).
  const fetched = await store.tasksChangedSince(from, scan + 1);
  const rows = fetched.length > scan ? fetched.slice(0, scan) : fetched;
  const tasks: Task[] = [];
  const removed: string[] = [];
  let examined = 0;
  let lookedUp = 0;
  for (const task of rows) {
    if (visibleTo(task, principal)) {
      if (isClosed(task) && Date.parse(task.updatedAt) < retainedSince) removed.push(task.id);
      else tasks.push(task);
    } else if (from > 0 && task.version !== 1) {
      // A task at version 1 has had one state only, this one, made after the cursor: the caller never
      // saw it and needs no look-up (a catch-up over other units' new work costs no queries). Older
      // tasks may have been the caller's in between: out of look-ups, the page ends before this task
      // and the next one starts from it.
      if (lookedUp === lookups) break;
      lookedUp++;
      if ((await store.taskStatesSince(task.id, from)).some((state) => visibleTo(state, principal)))
        removed.push(task.id);
    }
    examined++;
  }
  const last = rows[examined - 1];
  const complete = examined === rows.length && fetched.length <= scan;
  return { tasks, removed, cursor: last ? last.seq : from, complete };
}

/**
 * How many `sync` pages one relay reads at once by default (HUB_SYNC_CONCURRENCY). When a relay dies,
 * its few hundred clients reconnect to the survivors together and each catches up; unpaced, every one of
 * their page reads runs at once, they share the database pool (10 connections) and the event loop with
 * everything else, and all of them finish late together while live pushes, actions and ingest on that
 * relay wait behind them. Paced, a few pages are read at a time and the rest wait their turn in arrival
 * order: the first clients are back at once, the pool keeps room for the tail and the actions, and no
 * page is ever skipped or cut (what a page holds is decided when it is read, from the caller's cursor:
 * H1, H8).
 */
export const SYNC_CONCURRENT_PAGES = 4;

export interface SyncPacer {
  /** Runs `read` when a turn is free; turns are given in arrival order. */
  run<T>(read: () => Promise<T>): Promise<T>;
  /** Pages waiting for a turn now. */
  readonly waiting: number;
  /** The most pages that ever waited at once (tests and benchmarks read it to see the queue was used). */
  readonly mostWaiting: number;
}

/**
 * A fair queue of page reads. Arrival order is fair between clients because a connection runs one hub
 * call at a time (signalr/limits.ts, `maxParallelInvocations` 1) and a client asks for its next
 * page only after the last arrived: a long catch-up goes to the back of the line after each page instead
 * of holding a turn until its last one, and a flood from one connection holds one place in the line.
 */
export function createSyncPacer(limit = SYNC_CONCURRENT_PAGES): SyncPacer {
  let reading = 0;
  let mostWaiting = 0;
  const turns: Array<() => void> = [];
  const next = () => {
    while (reading < limit && turns.length > 0) {
      reading++;
      turns.shift()!();
    }
  };
  return {
    async run(read) {
      await new Promise<void>((resolve) => {
        turns.push(resolve);
        mostWaiting = Math.max(mostWaiting, turns.length);
        next();
      });
      try {
        return await read();
      } finally {
        reading--;
        next();
      }
    },
    get waiting() {
      return turns.length;
    },
    get mostWaiting() {
      return mostWaiting;
    },
  };
}
