import { Link } from 'react-router';
import { isClosed, type Alert, type Task } from '../../domain';
import { useAlerts } from '../../state/alert-store';

/**
 * Whether a "new stat item for your patient" alert (docs/ASSIGNMENTS.md [A-P5]) still has something to
 * say: its task is open and nobody has started or acknowledged it yet.
 */
export function stillNew(task: Task): boolean {
  if (isClosed(task) || task.acknowledgedAt) return false;
  return task.status === 'requested' || task.status === 'accepted';
}

/**
 * "New STAT for your patient in 4W-03 — Open K+ 6.7 mmol/L": a stat/asap task that arrived for a bed
 * assigned to her, shown (and rung, once) without waiting for any escalation. Dismissable: it is a nudge.
 */
export function PatientAlertBanner({ alert, task }: { alert: Alert; task: Task | undefined }) {
  const drop = useAlerts((s) => s.drop);
  const headingId = `alert-${alert.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const taskId = task?.id ?? alert.taskIds[0] ?? '';
  const title = task?.title ?? alert.title;
  const bed = task?.patient?.bed ?? alert.bed;
  const priority = (task?.priority ?? alert.priority).toUpperCase();
  return (
    <article className="alert-banner alert-patient" aria-labelledby={headingId}>
      <p className="alert-headline" id={headingId} role="alert">
        <span aria-hidden="true" className="alert-icon">
          ●
        </span>
        <span>
          New {priority} for your patient{bed ? ` in ${bed}` : ''} —{' '}
          <Link to={`/tasks/${encodeURIComponent(taskId)}`} className="alert-link">
            Open {title}
          </Link>
        </span>
      </p>
      <button
        type="button"
        className="btn btn-quiet alert-ack"
        aria-label={`Dismiss the alert for ${title}`}
        onClick={() => drop([alert.id])}
      >
        Dismiss
      </button>
    </article>
  );
}
