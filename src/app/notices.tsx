import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import type { AttentionRow } from '../data/db';
import { clockTime } from '../features/shared/format';
import { STATUS_WORDS } from '../features/shared/words';
import { ACTION_NOUNS } from '../features/task/action-registry';
import { usePending } from '../state/pending-store';
import { useSession } from './session';

interface Group {
  taskId: string;
  /** The task's refused actions, oldest first: the first is usually the cause of the rest. */
  rows: AttentionRow[];
}

/** One entry per task: a lost claim refuses every tick after it, and she needs to hear it once. */
function byTask(rows: readonly AttentionRow[]): Group[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const group = groups.get(row.taskId) ?? { taskId: row.taskId, rows: [] };
    group.rows.push(row);
    groups.set(row.taskId, group);
  }
  return [...groups.values()];
}

/** Entries shown before "Show all", so the list never pushes the worklist off a phone's screen. */
const SHOWN = 3;

/**
 * "Needs attention" [S8]: the relay's refusals of this person's actions ("Already claimed by R. Okafor
 * at 10:42."), one entry per task with the task's real state, kept on the device until she dismisses
 * them — an action made offline may be refused long after she moved on, and a reload must not hide it.
 * Shown above every view: an action on a list row has no task panel open to show it in.
 */
export function Notices() {
  const { db } = useSession();
  const attention = useLiveQuery(() => db.attention.orderBy('refusedAt').toArray(), [db]) ?? [];
  const local = usePending((s) => s.notices);
  const dismissLocal = usePending((s) => s.dismiss);
  const [showAll, setShowAll] = useState(false);
  const groups = byTask(attention);
  const count = groups.length + local.length;
  const shown = showAll ? groups : groups.slice(0, SHOWN);
  const dismiss = (rows: readonly AttentionRow[]) => void db.attention.bulkDelete(rows.map((r) => r.id));
  return (
    <section className="notices" aria-live="assertive" aria-label={count > 0 ? 'Needs attention' : undefined}>
      {count > 0 && (
        <div className="notices-head">
          <h2 className="notices-title">Needs attention ({count})</h2>
          {groups.length > 1 && (
            <button type="button" className="btn btn-quiet" onClick={() => dismiss(attention)}>
              Dismiss all
            </button>
          )}
        </div>
      )}
      {shown.map(({ taskId, rows }) => (
        <div key={taskId} className="notice">
          <span aria-hidden="true" className="notice-icon">
            !
          </span>
          <div className="notice-text">
            <p>{rows[0]!.message}</p>
            <p className="notice-detail">{detailOf(rows)}</p>
          </div>
          {rows[0]!.bedsOf ? (
            <Link className="btn btn-quiet" to="/beds">
              Open Beds
            </Link>
          ) : (
            <Link className="btn btn-quiet" to={`/tasks/${encodeURIComponent(taskId)}`}>
              Open task
            </Link>
          )}
          <button type="button" className="btn btn-quiet" onClick={() => dismiss(rows)}>
            Dismiss
          </button>
        </div>
      ))}
      {groups.length > SHOWN && (
        <button type="button" className="btn btn-quiet" onClick={() => setShowAll(!showAll)}>
          {showAll ? 'Show fewer' : `Show all ${groups.length}`}
        </button>
      )}
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

/** Which actions of hers were refused, when she made the first, and how the task stands now. */
function detailOf(rows: readonly AttentionRow[]): string {
  const first = rows[0]!;
  const more = rows.length - 1;
  // A bed assignment (docs/ASSIGNMENTS.md [A-P4]): the relay's sentence says it all; only when it was made.
  if (first.bedsOf)
    return `Your bed assignment on ${first.bedsOf} from ${clockTime(first.madeAt)} was not applied.`;
  const what =
    `Your ${ACTION_NOUNS[first.type]} from ${clockTime(first.madeAt)}` +
    (more > 0 ? ` and ${more} more ${more === 1 ? 'action' : 'actions'}` : '');
  // The relay's latest word on the task is on the last refusal.
  const task = rows.at(-1)!.task;
  if (!task) return `${what} ${more > 0 ? 'were' : 'was'} not applied.`;
  const where = task.patient?.bed ? ` (bed ${task.patient.bed})` : '';
  const now = task.owner
    ? `${STATUS_WORDS[task.status]}, owned by ${task.owner.name}`
    : `${STATUS_WORDS[task.status]}, not claimed`;
  return `${what} on “${task.title}”${where} ${more > 0 ? 'were' : 'was'} not applied. Now: ${now}.`;
}
