import { isClosed, type Priority, type Task } from '../../domain';

/** Most urgent first: `stat` (0) … `routine` (3). */
export const PRIORITY_RANK: Record<Priority, number> = { stat: 0, asap: 1, urgent: 2, routine: 3 };

/**
 * ISO times as milliseconds, remembered: sorting 5,000 tasks compares ~60,000 pairs, and parsing the
 * same few thousand strings again for each comparison was the slowest part of rendering a big list.
 */
const parsedTimes = new Map<string, number>();
const MAX_REMEMBERED_TIMES = 50_000;

export function timeOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  let ms = parsedTimes.get(iso);
  if (ms === undefined) {
    if (parsedTimes.size >= MAX_REMEMBERED_TIMES) parsedTimes.clear();
    ms = Date.parse(iso);
    parsedTimes.set(iso, ms);
  }
  return ms;
}

/**
 * The time the work is due: the due time, or for a result the acknowledge-by time until someone
 * acknowledges it (which meets it: an acknowledged result never sorts or shows as overdue).
 */
export function dueTime(task: Task): number | null {
  return timeOf(task.dueAt ?? (task.acknowledgedAt === null ? task.ackBy : null));
}

export function overdue(task: Task, now: number): boolean {
  const due = dueTime(task);
  return due !== null && due < now && !isClosed(task);
}

/** Earlier first; a missing time sorts after every real one. */
export function compareTimes(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

/** One collator for every comparison: `localeCompare` with options builds a new one per call. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function compareText(a: string | null | undefined, b: string | null | undefined): number {
  return collator.compare(a ?? '', b ?? '');
}

/** Ids are compared as plain strings: only a stable tie-break, never shown in this order. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The worklist order: overdue first, then by due time (earliest first, undated last), then by priority
 * (STAT first); the id keeps equal tasks from swapping places between renders.
 */
export function compareUrgency(a: Task, b: Task, now: number): number {
  const ao = overdue(a, now);
  const bo = overdue(b, now);
  if (ao !== bo) return ao ? -1 : 1;
  return (
    compareTimes(dueTime(a), dueTime(b)) ||
    PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
    compareIds(a.id, b.id)
  );
}

/**
 * `compareUrgency` as numbers per task (overdue first, due time with undated last, priority), so a
 * sort of 5,000 tasks parses and ranks each task once instead of in each of its ~24 comparisons; the
 * list's sort breaks ties by id, as `compareUrgency` does.
 */
export function urgencyKey(task: Task, now: number): readonly number[] {
  return [overdue(task, now) ? 0 : 1, dueTime(task) ?? Infinity, PRIORITY_RANK[task.priority]];
}
