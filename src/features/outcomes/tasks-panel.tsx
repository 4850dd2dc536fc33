import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import type { TaskKind, TaskStatus } from '../../domain';
import { useSession } from '../../app/session';
import { KIND_WORDS, STATUS_WORDS } from '../shared/words';
import { describeFigure, formatMs } from './figures';
import type { Figure, TasksBehind } from './outcomes-api';
import { useTasksBehind } from './use-outcomes';

/** The tasks behind the chosen number, each a link to the task. */
export function TasksPanel({ chosen, onClose }: { chosen: Figure | null; onClose: () => void }) {
  const { tokens } = useSession();
  const list = useTasksBehind(tokens, chosen?.tasks ?? null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (chosen) heading.current?.focus();
  }, [chosen]);
  if (!chosen || !list) return null;
  return (
    <section className="outcomes-section tasks-behind" aria-labelledby="tasks-behind">
      <div className="section-header">
        <h2 id="tasks-behind" ref={heading} tabIndex={-1}>
          Tasks behind: {describeFigure(chosen)}
        </h2>
        <button type="button" className="btn btn-quiet" onClick={onClose}>
          Close
        </button>
      </div>
      {list.status === 'loading' && <p className="muted">Loading the tasks…</p>}
      {list.status === 'error' && <p role="alert">{list.message}</p>}
      {list.status === 'ready' && <TaskLinks list={list.value} />}
    </section>
  );
}

function TaskLinks({ list }: { list: TasksBehind }) {
  const shown = list.tasks.length;
  return (
    <>
      <p className="muted small">
        {list.total} {list.total === 1 ? 'task' : 'tasks'}
        {list.hidden > 0 && ` · ${list.hidden} not yours to open (other kinds of work on your units)`}
        {list.truncated && ` · the first ${shown} shown`}
      </p>
      <ul className="task-links">
        {list.tasks.map((t) => (
          <li key={t.id}>
            <Link to={`/tasks/${encodeURIComponent(t.id)}`} className="task-link">
              <span className="strong">{t.title}</span>
              <span className="muted small">
                {t.unit} · {KIND_WORDS[t.kind as TaskKind] ?? t.kind} ·{' '}
                {STATUS_WORDS[t.status as TaskStatus] ?? t.status}
              </span>
            </Link>
            <span className="task-value">{taskValue(list.metric, t.value, t.met)}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

function taskValue(metric: string, value: number, met: boolean | undefined): string {
  switch (metric) {
    case 'escalations':
      return `Level ${value}`;
    case 'discharges-ready-on-time':
      return met ? 'Ready on time' : 'Not ready on time';
    case 'acknowledged-within-policy':
      if (met) return value < 0 ? `${formatMs(-value)} early` : 'On time';
      return `${formatMs(value)} late`;
    default:
      return formatMs(value);
  }
}
