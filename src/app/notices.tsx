import { useLiveQuery } from 'dexie-react-hooks';
import { Link } from 'react-router';
import type { ActionType } from '../domain';
import type { AttentionRow } from '../data/db';
import { clockTime } from '../features/shared/format';
import { STATUS_WORDS } from '../features/shared/words';
import { usePending } from '../state/pending-store';
import { useSession } from './session';

const ACTION_NAMES: Record<ActionType, string> = {
  claim: 'claim',
  release: 'release',
  acknowledge: 'acknowledgement',
  start: 'start',
  'checklist.set': 'checklist tick',
  hold: 'hold',
  resolve: 'resolution',
  escalate: 'escalation',
  reassign: 'reassignment',
  comment: 'comment',
};

/**
 * "Needs attention" [S8]: the relay's refusals of this person's actions ("Already claimed by R. Okafor
 * at 10:42."), with the task's real state, kept on the device until she dismisses them — an action made
 * offline may be refused long after she moved on, and a reload must not hide it. Shown above every view:
 * an action on a list row has no task panel open to show it in.
 */
export function Notices() {
  const { db } = useSession();
  const attention = useLiveQuery(() => db.attention.orderBy('refusedAt').toArray(), [db]) ?? [];
  const local = usePending((s) => s.notices);
  const dismissLocal = usePending((s) => s.dismiss);
  const count = attention.length + local.length;
  return (
    <section className="notices" aria-live="assertive" aria-label={count > 0 ? 'Needs attention' : undefined}>
      {count > 0 && <h2 className="notices-title">Needs attention ({count})</h2>}
      {attention.map((row) => (
        <div key={row.id} className="notice">
          <span aria-hidden="true" className="notice-icon">
            !
          </span>
          <div className="notice-text">
            <p>{row.message}</p>
            <p className="notice-detail">{detailOf(row)}</p>
          </div>
          <Link className="btn btn-quiet" to={`/tasks/${encodeURIComponent(row.taskId)}`}>
            Open task
          </Link>
          <button type="button" className="btn btn-quiet" onClick={() => void db.attention.delete(row.id)}>
            Dismiss
          </button>
        </div>
      ))}
      {local.map((n) => (
        <div key={n.id} className="notice">
          <span aria-hidden="true" className="notice-icon">
            !
          </span>
          <div className="notice-text">
            <p>{n.message}</p>
          </div>
          <button type="button" className="btn btn-quiet" onClick={() => dismissLocal(n.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}

/** Which action of hers was refused, when she made it, and how the task stands now. */
function detailOf(row: AttentionRow): string {
  const made = `Your ${ACTION_NAMES[row.type]} from ${clockTime(row.madeAt)}`;
  const task = row.task;
  if (!task) return `${made} was not applied.`;
  const now = task.owner
    ? `${STATUS_WORDS[task.status]}, owned by ${task.owner.name}`
    : `${STATUS_WORDS[task.status]}, not claimed`;
  return `${made} on “${task.title}” was not applied. Now: ${now}.`;
}
