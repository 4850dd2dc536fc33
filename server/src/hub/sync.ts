import { isClosed, visibleTo, type Principal, type Task } from '../../../src/domain';
import type { WorklistStore } from '../store/worklist-store';

/** How many changed tasks one `sync` page looks at; a page holds at most this many tasks. */
export const SYNC_PAGE_SCAN = 1_000;

export interface SyncPage {
  tasks: Task[];
  /** Ids of tasks the caller could see at `cursor` and no longer can (moved unit, reassigned away). */
  removed: string[];
  /** Pass this back to get the next page; it only ever grows. */
  cursor: number;
  /** True when the caller is up to date as of this page. */
  complete: boolean;
}

/**
 * One page of "what changed for me since `cursor`". The tasks table holds each task's newest state
 * under the seq of its last change, so scanning by seq never misses a change made while paging: a task
 * changed again simply reappears further on.
 */
export function syncPage(
  store: WorklistStore,
  principal: Principal,
  cursor: number,
  scan = SYNC_PAGE_SCAN,
): SyncPage {
  const from = Math.max(0, Math.floor(cursor));
  const rows = store.tasksChangedSince(from, scan);
  const tasks: Task[] = [];
  const removed: string[] = [];
  for (const task of rows) {
    if (visibleTo(task, principal)) {
      // A fresh device does not need finished work; one that has the task learns that it closed.
      if (from > 0 || !isClosed(task)) tasks.push(task);
    } else if (from > 0) {
      const before = store.taskAsOf(task.id, from);
      if (before && visibleTo(before, principal)) removed.push(task.id);
    }
  }
  const last = rows[rows.length - 1];
  return { tasks, removed, cursor: last ? last.seq : from, complete: rows.length < scan };
}
