import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Principal, TaskKind, TaskStatus } from '../../domain';
import { useSession } from '../../app/session';
import { useDocumentTitle } from '../../app/document-title';
import { dayAndTime } from '../shared/format';
import { KIND_WORDS, STATUS_WORDS } from '../shared/words';
import { barOptions, Chart, trendOptions } from './chart';
import {
  aggregateOf,
  breakdown,
  byMetric,
  describeFigure,
  DIMENSION_WORDS,
  dimensionsOf,
  dimensionWord,
  formatMs,
  formatShare,
  headline,
  isUnitRollUp,
  METRIC_WORDS,
  metricTitle,
} from './figures';
import {
  downloadCsv,
  OutcomesError,
  WINDOWS,
  type Figure,
  type OutcomeQuery,
  type OutcomeReport,
  type OutcomeTrend,
  type TasksBehind,
  type WindowName,
} from './outcomes-api';
import { TREND_METRIC, useOutcomes, useTasksBehind } from './use-outcomes';
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
  const now = Date.parse(report.generatedAt);
  return `${report.units.join(', ')} · ${dayAndTime(report.window.from, now)} to ${dayAndTime(report.window.to, now)} · p50 and p90 are nearest-rank`;
}

/** The headline of each metric, as big numbers; each opens the tasks behind it. */
function AtAGlance({ report, onChoose }: { report: OutcomeReport; onChoose: (f: Figure) => void }) {
  const tiles = byMetric(report.figures).flatMap(({ metric }) => headline(report.figures, metric) ?? []);
  return (
    <section className="outcomes-section" aria-labelledby="at-a-glance">
      <h2 id="at-a-glance">At a glance</h2>
      <ul className="tiles">
        {tiles.map((figure) => (
          <li key={figure.metric}>
            <button
              type="button"
              className="tile"
              data-metric={figure.metric}
              disabled={figure.count === 0}
              onClick={() => onChoose(figure)}
            >
              <span className="tile-title">{metricTitle(figure.metric)}</span>
              <span className="tile-value">{mainValue(figure)}</span>
              <span className="tile-detail">{detailValue(figure)}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function mainValue(figure: Figure): string {
  switch (aggregateOf(figure)) {
    case 'duration':
      return figure.count === 0 ? '—' : `p50 ${formatMs(figure.p50Ms)}`;
    case 'share':
      return formatShare(figure.share);
    case 'count':
      return String(figure.count);
  }
}

function detailValue(figure: Figure): string {
  const n = figure.count;
  switch (aggregateOf(figure)) {
    case 'duration':
      return n === 0
        ? 'none in this period'
        : `p90 ${formatMs(figure.p90Ms)} · ${n} ${n === 1 ? 'task' : 'tasks'}`;
    case 'share':
      return n === 0 ? 'none in this period' : `${figure.met ?? 0} of ${n}`;
    case 'count':
      if (figure.oldestMs !== undefined) return n === 0 ? 'none now' : `oldest ${formatMs(figure.oldestMs)}`;
      return 'in this period';
  }
}

/** The three charts the issue asks for: time to acknowledge by hour, backlog by unit, escalations by level. */
function Charts({ report, trend }: { report: OutcomeReport; trend: OutcomeTrend }) {
  const trendData = useMemo(
    () =>
      [
        trend.points.map((p) => Date.parse(p.from) / 1000),
        trend.points.map((p) => (p.p50Ms == null ? null : p.p50Ms / 60_000)),
        trend.points.map((p) => (p.p90Ms == null ? null : p.p90Ms / 60_000)),
      ] as [number[], Array<number | null>, Array<number | null>],
    [trend],
  );
  const trendOpts = useMemo(() => trendOptions(), []);
  const acknowledged = trend.points.reduce((n, p) => n + p.count, 0);
  const hours = trend.bucketMs / 3_600_000;

  // Several units: the backlog of each; one unit: its backlog by reason.
  const backlogBy = report.units.length > 1 ? 'unit' : 'reason';
  // One bar list per fetched report, so each bar chart is rebuilt only when a new report arrives.
  const backlogBars = useMemo(
    () =>
      breakdown(report.figures, 'exception-backlog', backlogBy).map((b) => ({
        label: dimensionWord(backlogBy, b.value),
        count: b.figure.count,
      })),
    [report, backlogBy],
  );
  const escalationBars = useMemo(
    () =>
      breakdown(report.figures, 'escalations', 'level').map((b) => ({
        label: dimensionWord('level', b.value),
        count: b.figure.count,
      })),
    [report],
  );

  return (
    <section className="outcomes-section" aria-labelledby="charts">
      <h2 id="charts">Charts</h2>
      <div className="charts">
        <figure className="chart-card">
          <figcaption>
            <span className="strong">
              {metricTitle(TREND_METRIC)}, {hours === 1 ? 'by hour' : `per ${hours} hours`}
            </span>
            <span className="chart-key">
              <span className="key key-primary" aria-hidden="true" /> p50
              <span className="key key-secondary" aria-hidden="true" /> p90
            </span>
          </figcaption>
          <Chart
            options={trendOpts}
            data={trendData}
            label={
              acknowledged === 0
                ? 'Nothing was acknowledged in this period.'
                : `${acknowledged} acknowledgements; the table below has the numbers.`
            }
          />
          {acknowledged === 0 && <p className="muted small">Nothing was acknowledged in this period.</p>}
        </figure>
        <BarChart
          title={`Exception backlog now, by ${backlogBy}`}
          bars={backlogBars}
          empty="No open exceptions."
        />
        <BarChart title="Escalations by level" bars={escalationBars} empty="No escalations in this period." />
      </div>
    </section>
  );
}

function BarChart({
  title,
  bars,
  empty,
}: {
  title: string;
  bars: Array<{ label: string; count: number }>;
  empty: string;
}) {
  // Rebuilt only when the bars change, not on every render of the page.
  const options = useMemo(() => barOptions(bars.map((b) => b.label)), [bars]);
  const data = useMemo(
    () => [bars.map((_, i) => i), bars.map((b) => b.count)] as [number[], number[]],
    [bars],
  );
  const total = bars.reduce((n, b) => n + b.count, 0);
  return (
    <figure className="chart-card">
      <figcaption>
        <span className="strong">{title}</span>
      </figcaption>
      {total === 0 ? (
        <p className="muted chart-empty">{empty}</p>
      ) : (
        <Chart
          options={options}
          data={data}
          label={`${title}: ${bars.map((b) => `${b.label} ${b.count}`).join(', ')}.`}
        />
      )}
    </figure>
  );
}

/**
 * Every number of the report, one table per metric: per unit by default, every breakdown (kind,
 * priority, level, reason, age) on request. The same figures the charts and tiles show.
 */
function NumbersTable({
  report,
  everyBreakdown,
  onEveryBreakdown,
  onChoose,
}: {
  report: OutcomeReport;
  everyBreakdown: boolean;
  onEveryBreakdown: (on: boolean) => void;
  onChoose: (f: Figure) => void;
}) {
  return (
    <section className="outcomes-section" aria-labelledby="numbers">
      <div className="section-header">
        <h2 id="numbers">Every number</h2>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={everyBreakdown}
            onChange={(e) => onEveryBreakdown(e.target.checked)}
          />
          Break down by kind, priority, level, reason and age
        </label>
      </div>
      {byMetric(report.figures).map(({ metric, figures }) => (
        <MetricTable
          key={metric}
          metric={metric}
          figures={everyBreakdown ? figures : figures.filter(isUnitRollUp)}
          onChoose={onChoose}
        />
      ))}
    </section>
  );
}

function MetricTable({
  metric,
  figures,
  onChoose,
}: {
  metric: string;
  figures: Figure[];
  onChoose: (f: Figure) => void;
}) {
  const first = figures[0];
  if (!first) return null;
  const dims = dimensionsOf(first).filter((d) => d === 'unit' || figures.some((f) => f[d] !== 'all'));
  const aggregate = aggregateOf(first);
  const hasOldest = first.oldestMs !== undefined;
  return (
    <div className="table-scroll">
      <table className="numbers" data-metric={metric}>
        <caption>
          <span className="strong">{metricTitle(metric)}</span>
          <span className="muted"> — {METRIC_WORDS[metric]?.means ?? ''}</span>
        </caption>
        <thead>
          <tr>
            {dims.map((d) => (
              <th key={d} scope="col">
                {DIMENSION_WORDS[d]}
              </th>
            ))}
            <th scope="col" className="num">
              Count
            </th>
            {aggregate === 'duration' && (
              <>
                <th scope="col" className="num">
                  p50
                </th>
                <th scope="col" className="num">
                  p90
                </th>
              </>
            )}
            {aggregate === 'share' && (
              <>
                <th scope="col" className="num">
                  Met
                </th>
                <th scope="col" className="num">
                  Share
                </th>
              </>
            )}
            {hasOldest && (
              <th scope="col" className="num">
                Oldest
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {figures.map((f) => (
            <tr key={f.tasks} data-figure={figureKey(f)}>
              {dims.map((d, i) =>
                i === 0 ? (
                  <th key={d} scope="row">
                    {dimensionWord(d, f[d])}
                  </th>
                ) : (
                  <td key={d}>{dimensionWord(d, f[d])}</td>
                ),
              )}
              <td className="num">
                {f.count > 0 ? (
                  <button type="button" className="count-button" onClick={() => onChoose(f)}>
                    <data value={f.count}>{f.count}</data>
                    <span className="sr-only"> tasks behind {describeFigure(f)}</span>
                  </button>
                ) : (
                  <data value={f.count}>{f.count}</data>
                )}
              </td>
              {aggregate === 'duration' && (
                <>
                  <td className="num">
                    <data value={f.p50Ms ?? ''}>{formatMs(f.p50Ms)}</data>
                  </td>
                  <td className="num">
                    <data value={f.p90Ms ?? ''}>{formatMs(f.p90Ms)}</data>
                  </td>
                </>
              )}
              {aggregate === 'share' && (
                <>
                  <td className="num">
                    <data value={f.met ?? 0}>{f.met ?? 0}</data>
                  </td>
                  <td className="num">
                    <data value={f.share ?? ''}>{formatShare(f.share)}</data>
                  </td>
                </>
              )}
              {hasOldest && (
                <td className="num">
                  <data value={f.oldestMs ?? ''}>{formatMs(f.oldestMs)}</data>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Identifies a figure's row for tests and styling: metric and dimension values, nothing about patients. */
export function figureKey(f: Figure): string {
  return [f.metric, ...dimensionsOf(f).map((d) => `${d}=${f[d]}`)].join(' ');
}

/** The tasks behind the chosen number, each a link to the task. */
function TasksPanel({ chosen, onClose }: { chosen: Figure | null; onClose: () => void }) {
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
