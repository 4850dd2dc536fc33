import { Link } from 'react-router';
import { usePending } from '../state/pending-store';

/**
 * The relay's refusals ("Already claimed by R. Okafor at 10:42."), kept until dismissed, wherever the
 * person is in the app: an action on a list row has no task panel open to show it in.
 */
export function Notices() {
  const notices = usePending((s) => s.notices);
  const dismiss = usePending((s) => s.dismiss);
  return (
    <div className="notices" aria-live="assertive">
      {notices.map((n) => (
        <div key={n.id} className="notice">
          <span aria-hidden="true" className="notice-icon">
            !
          </span>
          <p>{n.message}</p>
          <Link className="btn btn-quiet" to={`/tasks/${encodeURIComponent(n.taskId)}`}>
            Open task
          </Link>
          <button type="button" className="btn btn-quiet" onClick={() => dismiss(n.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
