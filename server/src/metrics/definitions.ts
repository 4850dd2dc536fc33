import type { TaskKind } from '../../../src/domain';
import { marks, type Sql } from './outcome-queries';

/**
 * The outcome metrics (docs/METRICS.md), each defined once as a cohort — one SQL SELECT over the
 * projection giving each observation's task, value, whether it met its target, and its dimensions.
 * The JSON report, the CSV and the tasks behind each number (outcomes.ts) all run that same cohort, so
 * they cannot disagree. Adding a metric is adding an entry here.
 */

export const DIMENSIONS = ['unit', 'kind', 'priority', 'level', 'reason', 'age'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
/** The value of a dimension in a roll-up row: all of the caller's units, every kind … */
export const ALL = 'all';

const HOUR_MS = 3_600_000;
/** Exception backlog ages: within the hour, the first hours of a shift, the day, older. */
export const AGE_BUCKETS = [
  { name: 'under-1h', belowMs: HOUR_MS },
  { name: '1h-4h', belowMs: 4 * HOUR_MS },
  { name: '4h-24h', belowMs: 24 * HOUR_MS },
  { name: 'over-24h', belowMs: null },
] as const;

/** What a cohort is computed for: the caller's units, the window as epoch ms, and now. */
export interface CohortScope {
  units: readonly string[];
  from: number;
  to: number;
  now: number;
}

type Aggregate = 'duration' | 'count' | 'share';

export interface MetricDefinition {
  dimensions: readonly Dimension[];
  aggregate: Aggregate;
  /** `window`: what happened in [from, to). `now`: the state at the time of the request. */
  timeframe: 'window' | 'now';
  /** What `value` means on each task of the tasks-behind-a-number list. */
  value: string;
  /** Count figures whose values are ages also report the largest. */
  oldest?: boolean;
  /** A task may be observed more than once (escalations: once per level). */
  manyPerTask?: boolean;
  /**
   * The one kind of task the cohort holds, when it holds one (its rows then need no `kind` column for
   * the task lists to tell which kinds the caller may open wholesale).
   */
  onlyKind?: TaskKind;
  cohort(scope: CohortScope): Sql;
}

/**
 * The open statuses as SQL, written out to match the partial index `outcome_tasks_open` of migration
 * 0005 term for term (a planner uses a partial index only when the query implies its WHERE). A unit
 * test checks it against the domain's statuses and the migration.
 */
export const OPEN_STATUSES_SQL = "status IN ('requested', 'accepted', 'in-progress', 'on-hold')";

/** From arrival (the task's first change) to the first change that marks `end` [M1]. */
function durationTo(end: 'claimed_ms' | 'acknowledged_ms' | 'completed_ms'): MetricDefinition {
  return {
    dimensions: ['unit', 'kind', 'priority'],
    aggregate: 'duration',
    timeframe: 'window',
    value: 'milliseconds from arrival to this moment',
    cohort: ({ units, from, to }) => ({
      // Never negative, even if the wall clock stepped back between the two changes.
      text: `SELECT task_id, unit, kind, priority,
          CASE WHEN ${end} > created_ms THEN ${end} - created_ms ELSE 0 END AS value, CAST(NULL AS INTEGER) AS met
        FROM outcome_tasks WHERE unit IN (${marks(units)}) AND ${end} >= ? AND ${end} < ?`,
      params: [...units, from, to],
    }),
  };
}

export const OUTCOME_METRICS = {
  'time-to-claim': durationTo('claimed_ms'),
  'time-to-acknowledge': durationTo('acknowledged_ms'),
  'time-to-resolve': durationTo('completed_ms'),
  // [M5] Escalation changes (timer or person) in the window, at the level each one reached.
  escalations: {
    dimensions: ['unit', 'level'],
    aggregate: 'count',
    timeframe: 'window',
    manyPerTask: true,
    value: 'the escalation level reached (the highest, when a task is listed for several)',
    cohort: ({ units, from, to }) => ({
      text: `SELECT task_id, unit, level, level AS value, CAST(NULL AS INTEGER) AS met FROM outcome_escalations
        WHERE unit IN (${marks(units)}) AND at_ms >= ? AND at_ms < ?`,
      params: [...units, from, to],
    }),
  },
  // [M6] Tasks first acknowledged in the window that had escalated by then: from the deadline (the
  // acknowledge-by time, else the due time, else the first escalation) to the acknowledgement.
  'escalation-latency': {
    dimensions: ['unit', 'kind'],
    aggregate: 'duration',
    timeframe: 'window',
    value: 'milliseconds from the deadline to the first acknowledgement (0 when acknowledged before it)',
    cohort: ({ units, from, to }) => {
      const deadline = 'COALESCE(ack_by_ms, due_ms, escalated_ms)';
      return {
        text: `SELECT task_id, unit, kind,
            CASE WHEN acknowledged_ms > ${deadline} THEN acknowledged_ms - ${deadline} ELSE 0 END AS value,
            CAST(NULL AS INTEGER) AS met
          FROM outcome_tasks WHERE unit IN (${marks(units)}) AND acknowledged_ms >= ? AND acknowledged_ms < ?
            AND escalated_ms IS NOT NULL AND escalated_ms <= acknowledged_ms`,
        params: [...units, from, to],
      };
    },
  },
  // [M7] Open work past a deadline now: its due time, or its acknowledge-by time while unacknowledged.
  overdue: {
    dimensions: ['unit', 'kind'],
    aggregate: 'count',
    timeframe: 'now',
    oldest: true,
    value: 'milliseconds since the earliest deadline that has passed',
    cohort: ({ units, now }) => ({
      text: `SELECT task_id, unit, kind, ? - deadline AS value, CAST(NULL AS INTEGER) AS met FROM (
          SELECT task_id, unit, kind,
            CASE
              WHEN due_ms <= ? AND (acknowledged_ms IS NOT NULL OR ack_by_ms IS NULL OR ack_by_ms > ?
                OR due_ms <= ack_by_ms) THEN due_ms
              WHEN acknowledged_ms IS NULL AND ack_by_ms <= ? THEN ack_by_ms
            END AS deadline
          FROM outcome_tasks WHERE ${OPEN_STATUSES_SQL} AND unit IN (${marks(units)})
        ) AS open_work WHERE deadline IS NOT NULL`,
      params: [now, now, now, now, ...units],
    }),
  },
  // [M8] Open exceptions now, by reason and by how long they have waited.
  'exception-backlog': {
    dimensions: ['unit', 'reason', 'age'],
    onlyKind: 'exception',
    aggregate: 'count',
    timeframe: 'now',
    oldest: true,
    value: 'milliseconds since the exception arrived',
    cohort: ({ units, now }) => {
      const buckets = AGE_BUCKETS.map((b) =>
        b.belowMs === null ? `ELSE '${b.name}'` : `WHEN ? - created_ms < ${b.belowMs} THEN '${b.name}'`,
      ).join(' ');
      const bucketParams = AGE_BUCKETS.filter((b) => b.belowMs !== null).map(() => now);
      return {
        text: `SELECT task_id, unit, COALESCE(exception_reason, 'unknown') AS reason,
            CASE ${buckets} END AS age, ? - created_ms AS value, CAST(NULL AS INTEGER) AS met
          FROM outcome_tasks WHERE ${OPEN_STATUSES_SQL} AND kind = 'exception' AND unit IN (${marks(units)})`,
        params: [...bucketParams, now, ...units],
      };
    },
  },
  // [M9] Discharges completed in the window that had an expected discharge time: every checklist item
  // done at or before it.
  'discharges-ready-on-time': {
    dimensions: ['unit'],
    onlyKind: 'discharge',
    aggregate: 'share',
    timeframe: 'window',
    value: '1 when every checklist item was done by the expected discharge time, else 0',
    cohort: ({ units, from, to }) => ({
      text: `SELECT task_id, unit, checklist_done_by_expected AS value, checklist_done_by_expected AS met
        FROM outcome_tasks WHERE unit IN (${marks(units)}) AND completed_ms >= ? AND completed_ms < ?
          AND kind = 'discharge' AND checklist_done_by_expected IS NOT NULL`,
      params: [...units, from, to],
    }),
  },
  // [M10] Tasks whose acknowledge-by time falls in the window and is decided (acknowledged, or the time
  // has passed), less those withdrawn upstream unacknowledged before it: acknowledged at or before it.
  'acknowledged-within-policy': {
    dimensions: ['unit', 'kind', 'priority'],
    aggregate: 'share',
    timeframe: 'window',
    value:
      'milliseconds from the acknowledge-by time to the acknowledgement (negative: early; still open: to now)',
    cohort: ({ units, from, to, now }) => ({
      text: `SELECT task_id, unit, kind, priority, COALESCE(acknowledged_ms, ?) - ack_by_ms AS value,
          CASE WHEN acknowledged_ms <= ack_by_ms THEN 1 ELSE 0 END AS met
        FROM outcome_tasks WHERE unit IN (${marks(units)}) AND ack_by_ms >= ? AND ack_by_ms < ?
          AND (acknowledged_ms IS NOT NULL OR ack_by_ms <= ?)
          AND NOT (acknowledged_ms IS NULL AND cancelled_ms IS NOT NULL AND cancelled_ms <= ack_by_ms)`,
      params: [now, ...units, from, to, now],
    }),
  },
  // [M15] Manual handoffs in the window: reassignments, accepted handovers, releases after a claim (by
  // the owner, or by a lead on her behalf), by the change's name as `reason`.
  'manual-handoffs': {
    dimensions: ['unit', 'reason'],
    aggregate: 'count',
    timeframe: 'window',
    manyPerTask: true,
    value: 'milliseconds from arrival to the handoff (the latest, when a task is listed for several)',
    cohort: ({ units, from, to }) => ({
      text: `SELECT h.task_id, t.unit, h.how AS reason,
          CASE WHEN h.at_ms > t.created_ms THEN h.at_ms - t.created_ms ELSE 0 END AS value, CAST(NULL AS INTEGER) AS met
        FROM outcome_handoffs h JOIN outcome_tasks t ON t.task_id = h.task_id
        WHERE t.unit IN (${marks(units)}) AND h.at_ms >= ? AND h.at_ms < ?`,
      params: [...units, from, to],
    }),
  },
  // [M16] Handover offers not accepted in time: the charge nurse was alerted (HANDOFFS.md HO7) in the window.
  'handovers-not-accepted-in-time': {
    dimensions: ['unit'],
    aggregate: 'count',
    timeframe: 'window',
    manyPerTask: true,
    oldest: true,
    value: 'milliseconds the offer had waited when the charge nurse was alerted',
    cohort: ({ units, from, to }) => ({
      text: `SELECT o.task_id, t.unit,
          CASE WHEN o.alerted_ms > o.offered_ms THEN o.alerted_ms - o.offered_ms ELSE 0 END AS value, CAST(NULL AS INTEGER) AS met
        FROM outcome_handover_offers o JOIN outcome_tasks t ON t.task_id = o.task_id
        WHERE t.unit IN (${marks(units)}) AND o.alerted_ms >= ? AND o.alerted_ms < ?`,
      params: [...units, from, to],
    }),
  },
  // [M17] How long handover offers waited: from the offer to whatever ended it, for offers that ended
  // in the window (accepted, declined, withdrawn, or the work changed hands or closed).
  'handover-wait': {
    dimensions: ['unit', 'kind', 'priority'],
    aggregate: 'duration',
    timeframe: 'window',
    manyPerTask: true,
    value: 'milliseconds from the offer to its end (the longest, when a task is listed for several)',
    cohort: ({ units, from, to }) => ({
      text: `SELECT o.task_id, t.unit, t.kind, t.priority,
          CASE WHEN o.ended_ms > o.offered_ms THEN o.ended_ms - o.offered_ms ELSE 0 END AS value, CAST(NULL AS INTEGER) AS met
        FROM outcome_handover_offers o JOIN outcome_tasks t ON t.task_id = o.task_id
        WHERE t.unit IN (${marks(units)}) AND o.ended_ms >= ? AND o.ended_ms < ?`,
      params: [...units, from, to],
    }),
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof OUTCOME_METRICS;
export const METRIC_NAMES = Object.keys(OUTCOME_METRICS) as MetricName[];

export function isMetricName(value: string): value is MetricName {
  return Object.hasOwn(OUTCOME_METRICS, value);
}

export function metricDefinition(name: MetricName): MetricDefinition {
  return OUTCOME_METRICS[name];
}
