import { useEffect, useId, useState } from 'react';
import type { Task } from '../../domain';
import { fetchTaskHistory, type AuditEntry } from '../../data/api';
import { useSession } from '../../app/session';
import { dayAndTime } from '../shared/format';
import { changeWords, historyActor } from '../shared/history-words';

type HistoryState =
  { status: 'loading' } | { status: 'ready'; entries: AuditEntry[] } | { status: 'unavailable' };

/**
 * The relay's audit trail of the task: every change with who and when, oldest first. Re-read whenever
 * the task changes (a new `seq`), so the trail on screen never lags the task above it.
 */
export function AuditTrail({ task, now }: { task: Task; now: number }) {
  const { tokens } = useSession();
  const headingId = useId();
  const [state, setState] = useState<HistoryState>({ status: 'loading' });
  useEffect(() => {
    let cancelled = false;
    fetchTaskHistory(tokens, task.id).then(
      (entries) => !cancelled && setState({ status: 'ready', entries }),
      () => !cancelled && setState({ status: 'unavailable' }),
    );
    return () => {
      cancelled = true;
    };
  }, [tokens, task.id, task.seq]);

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>History</h3>
      {state.status === 'loading' && <p className="muted">Loading the history…</p>}
      {state.status === 'unavailable' && (
        <p className="muted">The history can be read only while Wardline is reachable.</p>
      )}
      {state.status === 'ready' && (
        <ol className="audit">
          {state.entries.map((entry) => (
            <li key={entry.seq}>
              <time dateTime={entry.at}>{dayAndTime(entry.at, now)}</time>
              <span className="audit-what">{changeWords(entry.change, entry.detail, task)}</span>
              <span className="audit-who">{historyActor(entry)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
