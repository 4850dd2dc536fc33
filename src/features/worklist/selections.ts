import { isClosed, mayWork, type Principal, type Task } from '../../domain';
import type { ViewId } from '../../state/ui-store';

/**
 * Which tasks each list holds: shared by the lists themselves and by the navigation's counts, and kept
 * apart from the list screens so the app shell can count without loading them.
 */
export const SELECTIONS: Record<ViewId, (task: Task, me: Principal) => boolean> = {
  // Hers, and work a colleague is handing to her: it waits for her answer there (docs/HANDOFFS.md).
  'my-work': (t, me) => !isClosed(t) && (t.owner?.id === me.id || t.handover?.to.id === me.id),
  queue: (t, me) => !isClosed(t) && t.owner === null && mayWork(t, me),
  discharge: (t) => !isClosed(t) && t.kind === 'discharge',
  exceptions: (t) => !isClosed(t) && t.kind === 'exception',
  escalations: (t) => !isClosed(t) && t.escalation.level > 0,
};

/**
 * What a view's badge counts when it is not every task of the list, and the words for it: one
 * definition read by the navigation badge and the list's heading ("7 tasks · 5 not acknowledged"), so
 * the two can never disagree.
 */
export const NEEDS_SOMEONE: Partial<Record<ViewId, { keep: (task: Task) => boolean; words: string }>> = {
  escalations: { keep: (t) => t.acknowledgedAt === null, words: 'not acknowledged' },
};

/** The number a navigation item shows: what needs someone (for escalations, the unacknowledged). */
export function countFor(view: ViewId, tasks: readonly Task[], me: Principal): number {
  const keep = SELECTIONS[view];
  const needs = NEEDS_SOMEONE[view]?.keep;
  let n = 0;
  for (const t of tasks) if (keep(t, me) && (!needs || needs(t))) n++;
  return n;
}

/**
 * What she still holds at the end of a shift: open tasks she owns and has not already offered to a
 * colleague (an offer waiting for an answer is decided; it stays hers until accepted).
 */
export function heldUndecided(tasks: readonly Task[], me: Principal): Task[] {
  return tasks.filter((t) => !isClosed(t) && t.owner?.id === me.id && t.handover?.from.id !== me.id);
}
