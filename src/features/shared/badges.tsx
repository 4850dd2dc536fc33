import { useConnection } from '../../state/connection-store';
import { isPastDeadline, type Priority, type Task } from '../../domain';
import { PRIORITY_WORDS, STATUS_WORDS } from './words';

/**
 * Small labels. Each carries its meaning in words (and a shape), with colour only as a second signal
 * (WCAG 1.4.1): a nurse with colour-blindness reads "STAT", not "red".
 */
export function PriorityBadge({ priority }: { priority: Priority }) {
  return (
    <span className={`badge priority-${priority}`}>
      <span aria-hidden="true" className="badge-icon">
        {priority === 'stat' ? '▲▲' : priority === 'asap' ? '▲' : priority === 'urgent' ? '△' : '○'}
      </span>
      {PRIORITY_WORDS[priority]}
    </span>
  );
}

export function StatusBadge({ task }: { task: Pick<Task, 'status'> }) {
  return <span className={`badge status status-${task.status}`}>{STATUS_WORDS[task.status]}</span>;
}

/**
 * Past its due time and still open. A task with only an acknowledge-by time is met by acknowledging it:
 * a result the charge nurse acknowledged must not go on saying "Overdue" to the next person who looks.
 */
export function isOverdue(task: Task, now: number): boolean {
  // The one rule for lists, cards and the task (docs/HANDOFFS.md HO9).
  return isPastDeadline(task, now);
}

export function OverdueTag() {
  return (
    <span className="badge overdue">
      <span aria-hidden="true" className="badge-icon">
        !
      </span>
      Overdue
    </span>
  );
}

/** [S11] An action of hers on this task is in the device's outbox: being sent, or waiting for a network. */
export function SendingTag() {
  const live = useConnection((s) => s.link === 'live');
  return (
    <span className="badge sending">
      <span aria-hidden="true" className="badge-icon">
        ↻
      </span>
      {live ? 'Sending' : 'Waiting to sync'}
    </span>
  );
}

export function OwnerName({ task }: { task: Pick<Task, 'owner'> }) {
  return task.owner ? <span>{task.owner.name}</span> : <span className="muted">Unclaimed</span>;
}
