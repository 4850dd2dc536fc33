import {
  PRIORITIES,
  TASK_KINDS,
  visibleTo,
  type Principal,
  type Role,
  type TaskKind,
} from '../../../src/domain';
import {
  ALL,
  OUTCOME_METRICS,
  METRIC_NAMES,
  type CohortScope,
  type Dimension,
  type MetricDefinition,
  type MetricName,
} from './definitions';
import {
  marks,
  type ListedTask,
  type OutcomeQueries,
  type Sql,
  type VisibilityGroup,
} from './outcome-queries';
import { nearestRankIndex } from './percentile';
import type { MetricWindow } from './window';

/**
 * The outcome report and the tasks behind each of its numbers, from the cohorts of definitions.ts.
 * Percentiles are computed here, in TypeScript, by nearest rank [M3].
 */

export interface MetricScope {
  units: readonly string[];
  window: MetricWindow;
  now: Date;
}

/** One number (or a few that belong together) for one group; absent fields do not apply to the metric. */
export interface Figure {
  metric: MetricName;
  unit: string;
  kind?: string;
  priority?: string;
  level?: string;
  reason?: string;
  age?: string;
  /** Observations in the group: tasks, or escalation changes for `escalations`; a share's denominator. */
  count: number;
  p50Ms?: number | null;
  p90Ms?: number | null;
  /** Share metrics: how many met the target, and met ÷ count (null when count is 0). */
  met?: number;
  share?: number | null;
  oldestMs?: number | null;
  /** The tasks behind this number: `GET` it for their ids and titles. */
  tasks: string;
}

export interface OutcomeReport {
  window: MetricWindow;
  generatedAt: string;
  units: string[];
  percentiles: 'nearest-rank';
  figures: Figure[];
}

export const TASKS_PATH = '/api/metrics/tasks';

function cohortScope({ units, window, now }: MetricScope): CohortScope {
  return { units, from: Date.parse(window.from), to: Date.parse(window.to), now: now.getTime() };
}

/** Every figure of every metric for the caller's units over one window. */
export async function outcomeReport(queries: OutcomeQueries, scope: MetricScope): Promise<OutcomeReport> {
  const figures: Figure[] = [];
  for (const name of METRIC_NAMES) figures.push(...(await metricFigures(queries, name, scope)));
  return {
    window: scope.window,
    generatedAt: scope.now.toISOString(),
    units: [...scope.units],
    percentiles: 'nearest-rank',
    figures,
  };
}

interface Group {
  dims: Partial<Record<Dimension, string>>;
  count: number;
  met: number;
  max: number | null;
  /** Durations: the 1-based nearest ranks of p50 and p90, how many values were seen, and the values. */
  rank50: number;
  rank90: number;
  seen: number;
  p50: number | null;
  p90: number | null;
}

/**
 * The groups of one metric: every combination of its dimensions, each either a value or `all` (a
 * roll-up). Each of the caller's units, and the all-units total, always has a row, so a quiet unit
 * shows 0 instead of vanishing from the table.
 */
class RollUp {
  private readonly groups = new Map<string, Group>();
  private readonly expansions = new Map<string, Group[]>();

  constructor(
    private readonly dims: readonly Dimension[],
    units: readonly string[],
  ) {
    this.group(dims.map(() => ALL));
    for (const unit of units) this.group(dims.map((d) => (d === 'unit' ? unit : ALL)));
  }

  /** The 2^n groups an observation with these (finest) dimension values counts in, memoized. */
  groupsOf(values: readonly string[]): Group[] {
    const key = values.join('\u0000');
    let groups = this.expansions.get(key);
    if (!groups) {
      groups = [];
      for (let mask = 0; mask < 1 << this.dims.length; mask++)
        groups.push(this.group(values.map((v, i) => (mask & (1 << i) ? v : ALL))));
      this.expansions.set(key, groups);
    }
    return groups;
  }

  all(): IterableIterator<Group> {
    return this.groups.values();
  }

  /** `all` first, then values in natural order (level 2 before level 10). */
  sorted(): Group[] {
    return [...this.groups.values()].sort((a, b) => {
      for (const d of this.dims) {
        const order = compareDim(a.dims[d] ?? ALL, b.dims[d] ?? ALL);
        if (order !== 0) return order;
      }
      return 0;
    });
  }

  private group(values: readonly string[]): Group {
    const key = values.join('\u0000');
    let group = this.groups.get(key);
    if (!group) {
      const dims = Object.fromEntries(this.dims.map((d, i) => [d, values[i]!]));
      group = { dims, count: 0, met: 0, max: null, rank50: 0, rank90: 0, seen: 0, p50: null, p90: null };
      this.groups.set(key, group);
    }
    return group;
  }
}

/** The values a duration metric's dimension can take, in the order their codes number them. */
function domainOf(dim: Dimension, units: readonly string[]): readonly string[] {
  switch (dim) {
    case 'unit':
      return units;
    case 'kind':
      return TASK_KINDS;
    case 'priority':
      return PRIORITIES;
    default:
      throw new Error(`${dim} is not a dimension of a duration metric`);
  }
}

async function metricFigures(
  queries: OutcomeQueries,
  name: MetricName,
  scope: MetricScope,
): Promise<Figure[]> {
  const definition: MetricDefinition = OUTCOME_METRICS[name];
  const dims = definition.dimensions;
  const cohort = definition.cohort(cohortScope(scope));
  const rollUp = new RollUp(dims, scope.units);

  if (definition.aggregate === 'duration') {
    const domains = dims.map((d) => domainOf(d, scope.units));
    const { packed, stride } = await queries.packedDurations(cohort, dims, domains);
    // Sorted by value (then group code). Percentiles without collecting any group's values: count each
    // group, work out its nearest ranks, then walk the sorted values once, noting the value at each rank.
    packed.sort();
    const perCode = new Float64Array(stride);
    for (const p of packed) perCode[p % stride]! += 1;
    const groupsByCode: Group[][] = [];
    perCode.forEach((count, code) => {
      if (count === 0) return;
      const groups = rollUp.groupsOf(decode(code, domains));
      groupsByCode[code] = groups;
      for (const group of groups) group.count += count;
    });
    for (const group of rollUp.all()) {
      group.rank50 = nearestRankIndex(50, group.count) + 1;
      group.rank90 = nearestRankIndex(90, group.count) + 1;
    }
    for (const p of packed) {
      const code = p % stride;
      const value = (p - code) / stride;
      for (const group of groupsByCode[code]!) {
        group.seen += 1;
        if (group.seen === group.rank50) group.p50 = value;
        if (group.seen === group.rank90) group.p90 = value;
      }
    }
  } else {
    for (const row of await queries.groupCounts(cohort, dims)) {
      for (const group of rollUp.groupsOf(row.dims)) {
        group.count += row.count;
        group.met += row.met;
        if (row.max !== null && (group.max === null || row.max > group.max)) group.max = row.max;
      }
    }
  }

  const hrefWindow =
    definition.timeframe === 'window' ? { from: scope.window.from, to: scope.window.to } : {};
  return rollUp.sorted().map((group): Figure => {
    const figure: Figure = { metric: name, unit: ALL, ...group.dims, count: group.count, tasks: '' };
    switch (definition.aggregate) {
      case 'duration':
        figure.p50Ms = group.p50;
        figure.p90Ms = group.p90;
        break;
      case 'share':
        figure.met = group.met;
        figure.share = group.count === 0 ? null : group.met / group.count;
        break;
      case 'count':
        if (definition.oldest) figure.oldestMs = group.max;
        break;
    }
    figure.tasks = tasksHref(name, hrefWindow, group.dims);
    return figure;
  });
}

const HOUR_MS = 3_600_000;
/** A trend is hourly, widened for long windows so that it stays a readable chart of at most ~48 points. */
const TREND_MAX_POINTS = 48;

/** One bucket of a trend: the roll-up figure (every unit in scope, every kind…) of its own window. */
export type TrendPoint = Figure & { from: string; to: string };

export interface OutcomeTrend {
  metric: MetricName;
  window: MetricWindow;
  units: string[];
  bucketMs: number;
  points: TrendPoint[];
}

/** Hours per trend bucket for a window: 1 up to two days, then as many as keep ~48 points. */
export function trendBucketMs(window: MetricWindow): number {
  const span = Date.parse(window.to) - Date.parse(window.from);
  return HOUR_MS * Math.max(1, Math.ceil(span / (TREND_MAX_POINTS * HOUR_MS)));
}

/**
 * A window metric over time [M14]: the window cut into consecutive half-open buckets from its start
 * (the last one may be shorter), each the roll-up figure of exactly that sub-window — the same cohort
 * and code as the report, so a point equals the report asked with that bucket's from/to.
 */
export async function outcomeTrend(
  queries: OutcomeQueries,
  metric: MetricName,
  scope: MetricScope,
): Promise<OutcomeTrend> {
  const bucketMs = trendBucketMs(scope.window);
  const from = Date.parse(scope.window.from);
  const to = Date.parse(scope.window.to);
  const points: TrendPoint[] = [];
  for (let start = from; start < to; start += bucketMs) {
    const bucket = {
      name: null,
      from: new Date(start).toISOString(),
      to: new Date(Math.min(start + bucketMs, to)).toISOString(),
    };
    // Figures are sorted with `all` first: the first is the roll-up over every dimension.
    const [rollUp] = await metricFigures(queries, metric, { ...scope, window: bucket });
    points.push({ ...rollUp!, from: bucket.from, to: bucket.to });
  }
  return { metric, window: scope.window, units: [...scope.units], bucketMs, points };
}

/** Dimension values from a group code (the inverse of `OutcomeQueries.packedDurations`). */
function decode(code: number, domains: ReadonlyArray<readonly string[]>): string[] {
  let rest = code;
  return domains.map((domain) => {
    const size = domain.length + 1;
    const index = rest % size;
    rest = (rest - index) / size;
    return domain[index] ?? 'other';
  });
}

function tasksHref(
  metric: MetricName,
  window: { from?: string; to?: string },
  dims: Partial<Record<Dimension, string>>,
): string {
  const params = new URLSearchParams({ metric, ...window });
  for (const [d, value] of Object.entries(dims)) if (value !== ALL) params.set(d, value);
  return `${TASKS_PATH}?${params.toString()}`;
}

function compareDim(a: string, b: string): number {
  if (a === b) return 0;
  if (a === ALL) return -1;
  if (b === ALL) return 1;
  return a.localeCompare(b, 'en', { numeric: true });
}

export interface TaskBehind {
  id: string;
  title: string;
  unit: string;
  kind: string;
  priority: string;
  status: string;
  value: number;
  met?: boolean;
}

export interface TasksBehind {
  metric: MetricName;
  window: MetricWindow | null;
  filter: Partial<Record<Dimension, string>>;
  /** What `value` means for this metric. */
  value: string;
  /** Distinct tasks behind the number. */
  total: number;
  /** Of those, how many the caller may not open (coordinators see discharge work and exceptions only). */
  hidden: number;
  /** The hidden tasks by kind, so a screen can say what they are ("9 critical results, 5 follow-ups"). */
  hiddenByKind: Partial<Record<TaskKind, number>>;
  /** Visible tasks, largest value first (the slowest, the oldest, the most escalated), up to `limit`. */
  tasks: TaskBehind[];
  truncated: boolean;
}

/**
 * Whether `visibleTo` shows the caller every task on these units whatever its candidate roles and
 * owner: asked of a task routed to nobody and owned by nobody, of every kind. Sound because roles and
 * an owner only ever add visibility (visibleTo is "owner, or a lead of the unit, or a candidate");
 * a unit test holds visibleTo to that.
 */
export function seesAllOf(principal: Principal, units: readonly string[]): boolean {
  return units.every((unit) =>
    TASK_KINDS.every((kind) => visibleTo({ unit, kind, candidateRoles: [], owner: null }, principal)),
  );
}

function countByKind(groups: readonly VisibilityGroup[]): Partial<Record<TaskKind, number>> {
  const counts: Partial<Record<TaskKind, number>> = {};
  for (const g of groups) counts[g.kind as TaskKind] = (counts[g.kind as TaskKind] ?? 0) + g.tasks;
  return counts;
}

/** What `visibleTo` looks at, for every task of a visibility group. */
function scopeOfGroup(g: VisibilityGroup, principal: Principal) {
  return {
    unit: g.unit,
    kind: g.kind as TaskKind,
    candidateRoles: g.candidateRoles.split(',').filter(Boolean) as Role[],
    owner: g.mine ? { id: principal.id, name: principal.name } : null,
  };
}

/**
 * For a caller who opens some kinds on some units whatever their roles and owner (a coordinator's
 * discharges and exceptions) but not all: the cohort's rows of those (unit, kind) pairs (`open`) and of
 * the rest (`depends`), as conditions on the cohort's own columns — so only `depends` needs the join
 * with the tasks for candidate roles and owner. Either may be null (no such pair). Null when the cohort
 * has no kind to split on.
 */
function splitByKind(
  definition: MetricDefinition,
  units: readonly string[],
  principal: Principal,
): { open: Sql | null; depends: Sql | null } | null {
  const kinds: readonly TaskKind[] | null = definition.onlyKind
    ? [definition.onlyKind]
    : definition.dimensions.includes('kind')
      ? TASK_KINDS
      : null;
  if (!kinds) return null;
  const open: Array<[string, TaskKind]> = [];
  const depends: Array<[string, TaskKind]> = [];
  for (const unit of units) {
    for (const kind of kinds) {
      const wholesale = visibleTo({ unit, kind, candidateRoles: [], owner: null }, principal);
      (wholesale ? open : depends).push([unit, kind]);
    }
  }
  const condition = (pairs: Array<[string, TaskKind]>): Sql => {
    // By kind: the kinds on every unit in scope as one IN list (a coordinator's usual case, and the
    // cheapest test per row), the others each with their units.
    const unitsOf = new Map<TaskKind, string[]>();
    for (const [unit, kind] of pairs) unitsOf.set(kind, [...(unitsOf.get(kind) ?? []), unit]);
    const everywhere = [...unitsOf].filter(([, u]) => u.length === units.length).map(([k]) => k);
    const somewhere = [...unitsOf].filter(([, u]) => u.length < units.length);
    if (definition.onlyKind) {
      return everywhere.length > 0
        ? { text: '1 = 1', params: [] }
        : { text: `c.unit IN (${marks(somewhere[0]![1])})`, params: somewhere[0]![1] };
    }
    const terms: Sql[] = [
      ...(everywhere.length > 0 ? [{ text: `c.kind IN (${marks(everywhere)})`, params: everywhere }] : []),
      ...somewhere.map(([kind, u]) => ({
        text: `(c.kind = ? AND c.unit IN (${marks(u)}))`,
        params: [kind, ...u],
      })),
    ];
    return { text: terms.map((t) => t.text).join(' OR '), params: terms.flatMap((t) => t.params) };
  };
  return {
    open: open.length > 0 ? condition(open) : null,
    depends: depends.length > 0 ? condition(depends) : null,
  };
}

/**
 * The tasks behind one figure: the metric's cohort filtered by the figure's dimensions, then by what the
 * caller may see (`visibleTo`, as everywhere else), each with its own value.
 */
export async function tasksBehind(
  queries: OutcomeQueries,
  metric: MetricName,
  scope: MetricScope,
  filter: Partial<Record<Dimension, string>>,
  principal: Principal,
  limit: number,
): Promise<TasksBehind> {
  const definition: MetricDefinition = OUTCOME_METRICS[metric];
  const conditions = Object.entries(filter)
    .filter(([, v]) => v !== ALL)
    .map(([d, v]): [string, string | number] => [d, d === 'level' ? Number(v) : v]);
  const cohort = definition.cohort(cohortScope(scope));
  const manyPerTask = definition.manyPerTask ?? false;
  let total: number;
  let shown: number;
  let rows: ListedTask[];
  let hiddenGroups: VisibilityGroup[] = [];
  const split = splitByKind(definition, scope.units, principal);
  if (seesAllOf(principal, scope.units)) {
    // Charge nurses and supervisors: nothing to filter, so no per-task visibility facts to fetch.
    total = shown = await queries.countTasks(cohort, conditions, manyPerTask);
    rows = await queries.topTasks(cohort, conditions, limit, manyPerTask);
  } else if (split) {
    // Coordinators: the kinds they open on every unit (discharges, exceptions) straight from the cohort;
    // only the other kinds are joined with the tasks to ask `visibleTo` about roles and owner.
    total = await queries.countTasks(cohort, conditions, manyPerTask);
    const wholesale = split.open ? await queries.countTasks(cohort, conditions, manyPerTask, split.open) : 0;
    const groups = split.depends
      ? await queries.visibilityGroups(cohort, conditions, principal.id, manyPerTask, split.depends)
      : [];
    const visible = groups.filter((g) => visibleTo(scopeOfGroup(g, principal), principal));
    hiddenGroups = groups.filter((g) => !visible.includes(g));
    shown = wholesale + visible.reduce((n, g) => n + g.tasks, 0);
    const openPage =
      split.open && wholesale > 0
        ? await queries.topTasks(cohort, conditions, limit, manyPerTask, split.open)
        : [];
    const otherPage =
      visible.length > 0
        ? await queries.visibleTasks(
            cohort,
            conditions,
            visible,
            principal.id,
            limit,
            manyPerTask,
            split.depends!,
          )
        : [];
    // Two disjoint pages, each largest value first, ties by id: merged, the first `limit` of both.
    rows = [...openPage, ...otherPage]
      .sort((a, b) => b.value - a.value || (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0))
      .slice(0, limit);
  } else {
    const groups = await queries.visibilityGroups(cohort, conditions, principal.id, manyPerTask);
    const visible = groups.filter((g) => visibleTo(scopeOfGroup(g, principal), principal));
    hiddenGroups = groups.filter((g) => !visible.includes(g));
    total = groups.reduce((n, g) => n + g.tasks, 0);
    shown = visible.reduce((n, g) => n + g.tasks, 0);
    rows =
      shown === 0
        ? []
        : await queries.visibleTasks(cohort, conditions, visible, principal.id, limit, manyPerTask);
  }
  const tasks = rows.map((row): TaskBehind => ({
    id: row.task_id,
    title: row.title,
    unit: row.unit,
    kind: row.kind,
    priority: row.priority,
    status: row.status,
    value: row.value,
    ...(row.met === null ? {} : { met: row.met === 1 }),
  }));
  return {
    metric,
    window: definition.timeframe === 'window' ? scope.window : null,
    filter,
    value: definition.value,
    total,
    hidden: total - shown,
    hiddenByKind: countByKind(hiddenGroups),
    tasks,
    truncated: shown > limit,
  };
}
