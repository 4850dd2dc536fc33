import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Principal } from '../../domain';
import { useSession } from '../../app/session';
import { useDocumentTitle } from '../../app/document-title';
import { dayAndTime } from '../shared/format';
import { AtAGlance } from './at-a-glance';
import { NumbersTable } from './numbers-table';
import { Charts } from './outcome-charts';
import {
  downloadCsv,
  OutcomesError,
  WINDOWS,
  type Figure,
  type OutcomeQuery,
  type OutcomeReport,
  type WindowName,
} from './outcomes-api';
import { TasksPanel } from './tasks-panel';
import { useOutcomes } from './use-outcomes';
import './outcomes.css';

const WINDOW_WORDS: Record<WindowName, string> = {
  '12h': 'Last shift (12 hours)',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
};

/**
 * The period and unit live in the URL (`?period=7d&unit=4W`): view settings, never patient data, and
 * a coordinator can bookmark "4W this week". Anything else is ignored rather than sent to the relay.
 */
function queryFrom(params: URLSearchParams, me: Principal): OutcomeQuery {
  const period = params.get('period');
  const unit = params.get('unit');
  return {
    window: WINDOWS.includes(period as WindowName) ? (period as WindowName) : '24h',
    unit: unit && me.units.includes(unit) ? unit : null,
  };
}

/**
 * `/outcomes`: how long work waits to be claimed, acknowledged and resolved, escalations, overdue
 * work, the exception backlog and the two shares, for a coordinator's, charge nurse's or supervisor's
 * own units (the relay decides which: docs/METRICS.md). Charts where a shape says more than a number,
 * a table with every number, each number leading to the tasks behind it, and the CSV.
 */
export function Component() {
  useDocumentTitle('Outcomes');
  const { me, tokens } = useSession();
  const [params, setParams] = useSearchParams();
  const { window: period, unit } = queryFrom(params, me);
  const query = useMemo<OutcomeQuery>(() => ({ window: period, unit }), [period, unit]);
  const [refresh, setRefresh] = useState(0);
  const outcomes = useOutcomes(tokens, query, refresh);
  const [chosen, setChosen] = useState<Figure | null>(null);
  const [everyBreakdown, setEveryBreakdown] = useState(false);
  const [csv, setCsv] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  // Refused by the relay (not a lead, or no longer one): nothing to choose or download.
  const refused = outcomes.status === 'error' && outcomes.forbidden;
  const shown =
    outcomes.status === 'ready' ? outcomes.value : outcomes.status === 'loading' ? outcomes.previous : null;

  const change = (key: 'period' | 'unit', value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setChosen(null);
    setParams(next, { replace: true });
  };

  const download = async () => {
    setCsv({ busy: true, error: null });
    try {
      await downloadCsv(tokens, query);
      setCsv({ busy: false, error: null });
    } catch (error) {
      setCsv({
        busy: false,
        error: error instanceof OutcomesError ? error.message : 'The CSV could not be downloaded.',
      });
    }
  };

  return (
    <div className="outcomes-page">
      <header className="outcomes-header">
        <div>
          <h1>Outcomes</h1>
          {shown && <p className="muted">{scopeSentence(shown.report)}</p>}
        </div>
        {!refused && (
          <div className="outcomes-controls">
            <label className="control">
              <span>Period</span>
              <select
                value={period}
                onChange={(e) => change('period', e.target.value === '24h' ? '' : e.target.value)}
              >
                {WINDOWS.map((w) => (
                  <option key={w} value={w}>
                    {WINDOW_WORDS[w]}
                  </option>
                ))}
              </select>
            </label>
            {me.units.length > 1 && (
              <label className="control">
                <span>Unit</span>
                <select value={unit ?? ''} onChange={(e) => change('unit', e.target.value)}>
                  <option value="">All my units</option>
                  {me.units.map((u) => (
                    <option key={u} value={u}>
                      {u}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button type="button" className="btn" onClick={() => setRefresh((n) => n + 1)}>
              Refresh
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={csv.busy}
              onClick={() => void download()}
            >
              {csv.busy ? 'Preparing CSV…' : 'Download CSV'}
            </button>
          </div>
        )}
      </header>
      {csv.error && (
        <p className="outcomes-problem" role="alert">
          {csv.error}
        </p>
      )}
      {outcomes.status === 'error' && (
        <div className="outcomes-problem" role="alert">
          <p>{outcomes.message}</p>
          {refused ? (
            <Link to="/">Go to your worklist</Link>
          ) : (
            <button type="button" className="btn" onClick={() => setRefresh((n) => n + 1)}>
              Try again
            </button>
          )}
        </div>
      )}
      {outcomes.status === 'loading' && !shown && (
        <p className="muted" role="status">
          Counting…
        </p>
      )}
      {shown && outcomes.status !== 'error' && (
        <>
          <AtAGlance report={shown.report} onChoose={setChosen} />
          <Charts report={shown.report} trend={shown.trend} />
          <TasksPanel chosen={chosen} onClose={() => setChosen(null)} />
          <NumbersTable
            report={shown.report}
            everyBreakdown={everyBreakdown}
            onEveryBreakdown={setEveryBreakdown}
            onChoose={setChosen}
          />
        </>
      )}
    </div>
  );
}

function scopeSentence(report: OutcomeReport): string {
  return `${report.units.join(', ')} · ${periodWords(report)} · p50 and p90 are nearest-rank`;
}

/**
 * "Last 24 hours (since yesterday 19:31)": the period's name and where it starts; its end is the
 * report's own moment, so "to 19:31" said nothing. A window with no name keeps both ends.
 */
export function periodWords(report: Pick<OutcomeReport, 'window' | 'generatedAt'>): string {
  const now = Date.parse(report.generatedAt);
  const { name, from, to } = report.window;
  const since = dayAndTime(from, now);
  if (name && name in WINDOW_WORDS) {
    const words = WINDOW_WORDS[name as WindowName];
    return `${words} (since ${since.charAt(0).toLowerCase()}${since.slice(1)})`;
  }
  return `${since} to ${dayAndTime(to, now)}`;
}
