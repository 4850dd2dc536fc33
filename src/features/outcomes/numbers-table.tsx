import {
  aggregateOf,
  byMetric,
  describeFigure,
  DIMENSION_WORDS,
  dimensionsOf,
  dimensionWord,
  formatMs,
  formatShare,
  isUnitRollUp,
  METRIC_WORDS,
  metricTitle,
  type Aggregate,
} from './figures';
import type { Figure, OutcomeReport } from './outcomes-api';

/** The number columns each kind of figure adds after its count. */
const AGGREGATE_COLUMNS: Record<Aggregate, string[]> = {
  duration: ['p50', 'p90'],
  share: ['Met', 'Share'],
  count: [],
};

/**
 * Every number of the report, one table per metric: per unit by default, every breakdown (kind,
 * priority, level, reason, age) on request. The same figures the charts and tiles show.
 */
export function NumbersTable({
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
            {['Count', ...AGGREGATE_COLUMNS[aggregate], ...(hasOldest ? ['Oldest'] : [])].map((header) => (
              <th key={header} scope="col" className="num">
                {header}
              </th>
            ))}
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
