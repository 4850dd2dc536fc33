import { isClosed, type Task } from './task';

/**
 * The deadline the work still has to meet, in ms since the epoch, or null. A result's acknowledge-by
 * time is met once it is acknowledged, so an acknowledged result has no deadline left unless it also
 * has a due time (HO9): "Ack by 19:28" must never read as overdue after H. Marchbank acknowledged it.
 */
export function openDeadline(
  task: Pick<Task, 'dueAt' | 'ackBy' | 'acknowledgedAt' | 'status'>,
): number | null {
  if (isClosed(task)) return null;
  const iso = task.dueAt ?? (task.acknowledgedAt === null ? task.ackBy : null);
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Past the deadline it still has to meet. Every list, card and the task use this one rule. */
export function isPastDeadline(
  task: Pick<Task, 'dueAt' | 'ackBy' | 'acknowledgedAt' | 'status'>,
  now: number,
): boolean {
  const deadline = openDeadline(task);
  return deadline !== null && deadline < now;
}

/** Overdue for acknowledgement: an unacknowledged result past its acknowledge-by time. */
export function isAckOverdue(task: Pick<Task, 'ackBy' | 'acknowledgedAt' | 'status'>, now: number): boolean {
  if (isClosed(task) || task.acknowledgedAt !== null || !task.ackBy) return false;
  return Date.parse(task.ackBy) < now;
}
