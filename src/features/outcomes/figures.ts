import type { ExceptionReason, Priority, TaskKind } from '../../domain';
import { duration } from '../shared/format';
import { KIND_WORDS, PRIORITY_WORDS, REASON_WORDS } from '../shared/words';
import type { Figure } from './outcomes-api';

/**
 * The relay's figures as the dashboard shows them: names in words, which figures make a chart, and
 * which rows the table shows. Pure functions of the report, so the charts, the tiles and the table
 * cannot show different numbers for the same figure.
 */

export const DIMENSIONS = ['unit', 'kind', 'priority', 'level', 'reason', 'age'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
const ALL = 'all';

export type Aggregate = 'duration' | 'count' | 'share';

export const METRIC_WORDS: Record<string, { title: string; means: string }> = {
  'time-to-claim': { title: 'Time to claim', means: 'from arrival to the first claim' },
  'time-to-acknowledge': {
    title: 'Time to acknowledge',
    means: 'from arrival to the first acknowledgement (resolving counts)',
  },
  'time-to-resolve': { title: 'Time to resolve', means: 'from arrival to completion' },
  escalations: { title: 'Escalations', means: 'each level reached, by the timer or a person' },
  'escalation-latency': {
    title: 'Escalation latency',
    means: 'escalated tasks: from the deadline to the first acknowledgement',
  },
  overdue: { title: 'Overdue now', means: 'open work past its due or acknowledge-by time' },
  'exception-backlog': { title: 'Exception backlog now', means: 'open exceptions, by how long they wait' },
  'discharges-ready-on-time': {
    title: 'Discharges ready on time',
    means: 'every checklist item done by the expected discharge time',
  },
  'acknowledged-within-policy': {
    title: 'Acknowledged within policy',
    means: 'acknowledged by the acknowledge-by time',
  },
  // docs/METRICS.md M15–M17: work changing hands by a person's decision (docs/HANDOFFS.md).
  'manual-handoffs': {
    title: 'Manual handoffs',
    means: 'reassignments, accepted handovers and releases after a claim',
  },
  'handovers-not-accepted-in-time': {
    title: 'Offers not accepted in time',
    means: 'handover offers the charge nurse was alerted about',
  },
  'handover-wait': { title: 'Time an offer waits', means: 'from the offer to its answer (median)' },
};

/** How work changed hands, for the manual handoffs' `reason` dimension (M15). */
const HANDOFF_WORDS: Record<string, string> = {
  reassigned: 'Reassigned',
  'handover-accepted': 'Handover accepted',
  released: 'Released to the queue',
  'released-on-behalf': 'Released on behalf',
};

export function metricTitle(metric: string): string {
  return METRIC_WORDS[metric]?.title ?? metric;
}

export function aggregateOf(figure: Figure): Aggregate {
  if (figure.p50Ms !== undefined) return 'duration';
  if (figure.share !== undefined) return 'share';
  return 'count';
}

/** The dimensions a metric's figures are broken down by, in the relay's order. */
export function dimensionsOf(figure: Figure): Dimension[] {
  return DIMENSIONS.filter((d) => figure[d] !== undefined);
}

/** The figures of each metric, in the report's order. */
export function byMetric(figures: readonly Figure[]): Array<{ metric: string; figures: Figure[] }> {
  const groups = new Map<string, Figure[]>();
  for (const f of figures) {
    const list = groups.get(f.metric);
    if (list) list.push(f);
    else groups.set(f.metric, [f]);
  }
  return [...groups].map(([metric, list]) => ({ metric, figures: list }));
}

/** A row of the compact table: per unit (and all units), every other dimension rolled up. */
export function isUnitRollUp(figure: Figure): boolean {
  return dimensionsOf(figure).every((d) => d === 'unit' || figure[d] === ALL);
}

/** The one figure for everything in scope: every dimension `all`. */
export function headline(figures: readonly Figure[], metric: string): Figure | undefined {
  return figures.find((f) => f.metric === metric && dimensionsOf(f).every((d) => f[d] === ALL));
}

/**
 * One metric broken down by one dimension, everything else rolled up: the bars of a chart. For a
 * breakdown by unit, the all-units row is left out (it is the sum, not a bar).
 */
export function breakdown(
  figures: readonly Figure[],
  metric: string,
  by: Dimension,
): Array<{ value: string; figure: Figure }> {
  return figures
    .filter(
      (f) =>
        f.metric === metric &&
        f[by] !== undefined &&
        f[by] !== ALL &&
        dimensionsOf(f).every((d) => d === by || f[d] === ALL),
    )
    .map((f) => ({ value: f[by]!, figure: f }));
}

const AGE_WORDS: Record<string, string> = {
  'under-1h': 'Under 1 h',
  '1h-4h': '1–4 h',
  '4h-24h': '4–24 h',
  'over-24h': 'Over 24 h',
};

const ALL_WORDS: Record<Dimension, string> = {
  unit: 'All units',
  kind: 'All kinds',
  priority: 'All priorities',
  level: 'All levels',
  reason: 'All reasons',
  age: 'Any age',
};

/** A dimension's value in words: "Result to acknowledge", "Level 2", "All units". */
export function dimensionWord(dim: Dimension, value: string | undefined): string {
  if (value === undefined) return '';
  if (value === ALL) return ALL_WORDS[dim];
  switch (dim) {
    case 'kind':
      return KIND_WORDS[value as TaskKind] ?? value;
    case 'priority':
      return PRIORITY_WORDS[value as Priority] ?? value;
    case 'reason':
      return REASON_WORDS[value as ExceptionReason] ?? HANDOFF_WORDS[value] ?? value;
    case 'level':
      return `Level ${value}`;
    case 'age':
      return AGE_WORDS[value] ?? value;
    case 'unit':
      return value;
  }
}

export const DIMENSION_WORDS: Record<Dimension, string> = {
  unit: 'Unit',
  kind: 'Kind',
  priority: 'Priority',
  level: 'Level',
  reason: 'Reason',
  age: 'Waiting',
};

/** A duration for a dashboard: seconds below a minute (these are often quick), else as the ward reads it. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (Math.abs(ms) < 60_000) return `${Math.round(ms / 1000)} s`;
  return duration(ms);
}

export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined) return '—';
  return `${Math.round(share * 100)} %`;
}

/** What one figure is about, in words, for a heading or a button's accessible name. */
export function describeFigure(figure: Figure): string {
  const parts = dimensionsOf(figure)
    .filter((d) => figure[d] !== ALL || d === 'unit')
    .map((d) => dimensionWord(d, figure[d]));
  return [metricTitle(figure.metric), ...parts].join(' · ');
}

const HIDDEN_KIND_WORDS: Record<TaskKind, [string, string]> = {
  'result-ack': ['result to acknowledge', 'results to acknowledge'],
  'follow-up': ['follow-up', 'follow-ups'],
  discharge: ['discharge', 'discharges'],
  exception: ['exception', 'exceptions'],
};

/**
 * Why some tasks behind a number do not open, in words (docs/METRICS.md M18): a coordinator's figures
 * count all of her units' work, but she opens only what she leads (discharges and exceptions) and what
 * is routed to her; the rest is nurses' work that the unit's charge nurse leads.
 * "14 not yours to open: 9 results to acknowledge, 5 follow-ups — nurses' work, led by each unit's
 * charge nurse".
 */
export function hiddenWords(hidden: number, byKind: Readonly<Record<string, number>> | undefined): string {
  if (hidden <= 0) return '';
  const parts = Object.entries(byKind ?? {})
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => {
      const words = HIDDEN_KIND_WORDS[kind as TaskKind];
      return words ? `${n} ${n === 1 ? words[0] : words[1]}` : `${n} ${kind}`;
    });
  const what = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  return `${hidden} not yours to open${what} — nurses’ work, led by each unit’s charge nurse`;
}
