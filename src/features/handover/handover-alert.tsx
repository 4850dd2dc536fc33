import { Link } from 'react-router';
import { isClosed, type Alert, type Task } from '../../domain';
import { clockTime } from '../shared/format';

/**
 * Whether the offer an alert is about still waits (docs/HANDOFFS.md HO7): the task still carries that
 * offer. Accepted, declined, withdrawn, reassigned or released, and the alert has done its job.
 */
export function stillWaiting(task: Task, alert: Alert): boolean {
  if (isClosed(task) || !task.handover) return false;
  return !alert.handover || task.handover.offeredAt === alert.handover.offeredAt;
}

/**
 * "Handover not accepted on 4W": an offer nobody answered in time, for the unit's charge nurse. It names
 * who offered it to whom and since when, and opens the task, where she can reassign it.
 */
export function HandoverAlertBanner({ alert, task }: { alert: Alert; task: Task | undefined }) {
  const offer = task?.handover ?? alert.handover;
  const headingId = `alert-${alert.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const taskId = task?.id ?? alert.taskIds[0] ?? '';
  return (
    <article className="alert-banner alert-handover" aria-labelledby={headingId}>
      <p className="alert-headline" id={headingId} role="alert">
        <span aria-hidden="true" className="alert-icon">
          ⇄
        </span>
        <span>
          Handover not accepted on {alert.unit} —{' '}
          <Link to={`/tasks/${encodeURIComponent(taskId)}`} className="alert-link">
            {task?.title ?? alert.title}
          </Link>
        </span>
      </p>
      {offer && (
        <p className="alert-facts">
          {alert.bed && <span>Bed {alert.bed}</span>}
          <span>
            {offer.from.name} offered it to {offer.to.name} at {clockTime(offer.offeredAt)}; nobody has
            answered. Open it to reassign it.
          </span>
        </p>
      )}
    </article>
  );
}
