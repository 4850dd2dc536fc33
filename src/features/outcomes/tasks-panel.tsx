import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import type { TaskKind, TaskStatus } from '../../domain';
import { useSession } from '../../app/session';
import { KIND_WORDS, STATUS_WORDS } from '../shared/words';
import { describeFigure, formatMs, hiddenWords } from './figures';
import type { Figure, TasksBehind } from './outcomes-api';
import { useTasksBehind } from './use-outcomes';

/** Air above the list's heading once it is scrolled to. */
const SCROLL_MARGIN_PX = 12;

/** The tasks behind the chosen number, each a link to the task. */
export function TasksPanel({ chosen, onClose }: { chosen: Figure | null; onClose: () => void }) {
  const { tokens } = useSession();
  const list = useTasksBehind(tokens, chosen?.tasks ?? null);
  const heading = useRef<HTMLHeadingElement>(null);
  // The list sits below the fold: once it is on the page, bring it into view and move focus there, so
  // a tap on "Overdue now 14" visibly leads to the 14 (and a screen reader hears where it went).
  const mounted = Boolean(chosen && list);
  useEffect(() => {
    if (!mounted || !heading.current) return;
    heading.current.focus({ preventScroll: true });
    // Only the page's own scroller moves: `scrollIntoView` would also scroll the shell's frame (its
    // overflow is hidden, not locked), pushing the header and the phone's bottom bar out of place.
    const page = heading.current.closest<HTMLElement>('.outcomes-page');
    if (!page) return;
    const offset = heading.current.getBoundingClientRect().top - page.getBoundingClientRect().top;
    page.scrollTop += offset - SCROLL_MARGIN_PX;
  }, [mounted, chosen]);
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
        {list.hidden > 0 && ` · ${hiddenWords(list.hidden, list.hiddenByKind)}`}
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
