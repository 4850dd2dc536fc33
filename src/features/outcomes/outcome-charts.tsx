import { useMemo } from 'react';
import { barOptions, Chart, trendOptions } from './chart';
import { breakdown, dimensionWord, metricTitle } from './figures';
import type { OutcomeReport, OutcomeTrend } from './outcomes-api';
import { TREND_METRIC } from './use-outcomes';

/** The three charts: time to acknowledge by hour, the exception backlog by unit, escalations by level. */
export function Charts({ report, trend }: { report: OutcomeReport; trend: OutcomeTrend }) {
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
        {backlogBy === 'reason' ? (
          // Reasons are long words ("Eligibility check failed"): side by side under bars they overlap
          // into one unreadable line, so each reason gets its own row with its bar beside it.
          <HorizontalBars
            title="Exception backlog now, by reason"
            bars={backlogBars}
            empty="No open exceptions."
          />
        ) : (
          <BarChart
            title={`Exception backlog now, by ${backlogBy}`}
            bars={backlogBars}
            empty="No open exceptions."
          />
        )}
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
 * Horizontal bars for categories with long names: the name wraps on its own line's left, the bar and
 * the count beside it. The bars are SVG rectangles sized by attribute (no style attribute: CSP).
 */
function HorizontalBars({
  title,
  bars,
  empty,
}: {
  title: string;
  bars: Array<{ label: string; count: number }>;
  empty: string;
}) {
  const total = bars.reduce((n, b) => n + b.count, 0);
  const most = Math.max(1, ...bars.map((b) => b.count));
  return (
    <figure className="chart-card">
      <figcaption>
        <span className="strong">{title}</span>
      </figcaption>
      {total === 0 ? (
        <p className="muted chart-empty">{empty}</p>
      ) : (
        <div
          className="hbars"
          role="img"
          aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.count}`).join(', ')}.`}
        >
          {bars.map((b) => (
            <div className="hbar-row" key={b.label}>
              <span className="hbar-label">{b.label}</span>
              <svg className="hbar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                <rect width={(b.count / most) * 100} height="10" />
              </svg>
              <span className="hbar-count">{b.count}</span>
            </div>
          ))}
        </div>
      )}
    </figure>
  );
}
