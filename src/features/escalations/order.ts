import type { Task } from '../../domain';
import { compareTimes, timeOf } from '../worklist/sorting';
import { stillEscalating } from './wording';

/**
 * [E10] Still escalating (unacknowledged) first, then the highest level and the most repeats, then the
 * one escalated longest ago.
 */
export function compareEscalations(a: Task, b: Task): number {
  const aStopped = !stillEscalating(a);
  const bStopped = !stillEscalating(b);
  if (aStopped !== bStopped) return aStopped ? 1 : -1;
  return (
    b.escalation.level - a.escalation.level ||
    b.escalation.repeats - a.escalation.repeats ||
    compareTimes(timeOf(a.escalation.lastAt), timeOf(b.escalation.lastAt))
  );
}
