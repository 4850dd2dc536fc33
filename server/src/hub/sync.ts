import { isClosed, visibleTo, type Principal, type SyncPage, type Task } from '../../../src/domain';

export type { SyncPage };
import type { WorklistStore } from '../store/contract';

/** How many changed tasks one `sync` page looks at; a page holds at most this many tasks. */
export const SYNC_PAGE_SCAN = 1_000;

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
): Promise<SyncPage> {
  const from = Math.max(0, Math.floor(cursor));
  const retainedSince = now.getTime() - CLOSED_RETENTION_MS;
  const rows = await store.tasksChangedSince(from, scan);
  const tasks: Task[] = [];
  const removed: string[] = [];
  for (const task of rows) {
    if (visibleTo(task, principal)) {
      if (isClosed(task) && Date.parse(task.updatedAt) < retainedSince) removed.push(task.id);
      else tasks.push(task);
    } else if (
      from > 0 &&
      (await store.taskStatesSince(task.id, from)).some((state) => visibleTo(state, principal))
    ) {
      removed.push(task.id);
    }
  }
  const last = rows[rows.length - 1];
  return { tasks, removed, cursor: last ? last.seq : from, complete: rows.length < scan };
}
