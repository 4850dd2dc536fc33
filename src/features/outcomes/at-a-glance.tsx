import { aggregateOf, byMetric, formatMs, formatShare, headline, metricTitle } from './figures';
import type { Figure, OutcomeReport } from './outcomes-api';

/** The headline of each metric, as big numbers; each opens the tasks behind it. */
export function AtAGlance({ report, onChoose }: { report: OutcomeReport; onChoose: (f: Figure) => void }) {
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
