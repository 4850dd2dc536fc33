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
    } else if (from > 0) {
      // Out of look-ups: the page ends before this task and the next one starts from it.
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
