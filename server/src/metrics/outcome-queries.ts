import type { SqlValue, StoreEngine } from '../store/engine';

/**
 * A metric's cohort: one SELECT over the projection tables (migration 0005) giving one row per
 * observation with the columns `task_id`, `value`, `met` and one per dimension of the metric. Portable
 * SQL: integer arithmetic and comparisons, CASE, COALESCE, IN lists; no date functions.
 */
export interface Sql {
  text: string;
  params: readonly SqlValue[];
}

/** Tasks behind a number that share everything `visibleTo` looks at: all visible, or none. */
export interface VisibilityGroup {
  unit: string;
  kind: string;
  candidateRoles: string;
  /** Owned by the caller. */
  mine: boolean;
  tasks: number;
}

/** One task of a list. */
export interface ListedTask {
  task_id: string;
  value: number;
  met: number | null;
  title: string;
  unit: string;
  kind: string;
  priority: string;
  status: string;
}

/** Cohort filters: `dimension = value`, ANDed. */
export type CohortFilter = ReadonlyArray<readonly [string, string | number]>;

/**
 * Which rows of a cohort a query keeps: `dimension = value` filters, and optionally one more condition
 * on the cohort's columns (`c.…`), such as "these units' discharges".
 */
function where(filter: CohortFilter, within?: Sql): string {
  const terms = filter.map(([d]) => `c.${d} = ?`);
  if (within) terms.push(`(${within.text})`);
  return terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '';
}

function values(filter: CohortFilter, within?: Sql): SqlValue[] {
  return [...filter.map(([, v]) => v), ...(within?.params ?? [])];
}

/** `?, ?, ?` for an IN list. */
export function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

/**
 * Runs cohorts in the three shapes the routes need. Each shape wraps the cohort as a derived table,
 * which SQLite (and PostgreSQL) flatten into the outer query, so the covering indexes still serve it.
 */
export class OutcomeQueries {
  constructor(private readonly db: StoreEngine) {}

  /**
   * Durations for percentiles, one number per observation: `value × stride + group code`, where the
   * group code numbers the observation's dimension values (each dimension's position in `domains`, or
   * the domain's length when the value is not in it). One integer per row is the cheapest thing to
   * carry out of SQLite: a week of three wards is ~40,000 rows per metric, and per-row objects would
   * cost more than the rest of the request. Values must be whole milliseconds ≥ 0.
   */
  async packedDurations(
    cohort: Sql,
    dims: readonly string[],
    domains: ReadonlyArray<readonly string[]>,
  ): Promise<{ packed: Float64Array; stride: number }> {
    let stride = 1;
    const codes: string[] = [];
    const params: SqlValue[] = [];
    dims.forEach((dim, i) => {
      const domain = domains[i] ?? [];
      const cases = domain.map((_, k) => `WHEN ? THEN ${k}`).join(' ');
      codes.push(`(CASE c.${dim} ${cases} ELSE ${domain.length} END) * ${stride}`);
      params.push(...domain);
      stride *= domain.length + 1;
    });
    const text = `SELECT c.value * ${stride} + ${codes.join(' + ') || '0'} FROM (${cohort.text}) AS c`;
    const rows = await this.db.rows(text, [...params, ...cohort.params]);
    return { packed: Float64Array.from(rows, (row) => Number(row[0])), stride };
  }

  /** Observations counted per combination of dimension values, with how many met and the largest value. */
  async groupCounts(
    cohort: Sql,
    dims: readonly string[],
  ): Promise<Array<{ dims: string[]; count: number; met: number; max: number | null }>> {
    const columns = dims.map((d) => `c.${d}`).join(', ');
    const text = `SELECT ${columns}, COUNT(*), SUM(c.met), MAX(c.value) FROM (${cohort.text}) AS c GROUP BY ${columns}`;
    const rows = await this.db.rows(text, cohort.params);
    return rows.map((row) => ({
      dims: row.slice(0, dims.length).map(String),
      count: Number(row[dims.length]),
      met: Number(row[dims.length + 1] ?? 0),
      max: row[dims.length + 2] === null ? null : Number(row[dims.length + 2]),
    }));
  }

  /**
   * The tasks behind a number, grouped by what decides their visibility (unit, kind, candidate roles,
   * owned by the caller or not): a week's figure can stand for 40,000 tasks, and carrying that many
   * rows out of SQLite to ask `visibleTo` about each would cost more than the whole report.
   */
  async visibilityGroups(
    cohort: Sql,
    filter: CohortFilter,
    callerId: string,
    manyPerTask: boolean,
    within?: Sql,
  ): Promise<VisibilityGroup[]> {
    const text = `SELECT t.unit, t.kind, t.candidate_roles, CASE WHEN t.owner_id = ? THEN 1 ELSE 0 END AS mine,
        ${manyPerTask ? 'COUNT(DISTINCT c.task_id)' : 'COUNT(*)'}
      FROM (${cohort.text}) AS c JOIN outcome_tasks t ON t.task_id = c.task_id ${where(filter, within)}
      GROUP BY 1, 2, 3, 4`;
    const rows = (await this.db.rows(text, [callerId, ...cohort.params, ...values(filter, within)])) as Array<
      [string, string, string, number, number]
    >;
    return rows.map(([unit, kind, candidateRoles, mine, tasks]) => ({
      unit,
      kind,
      candidateRoles,
      mine: Number(mine) === 1,
      tasks: Number(tasks),
    }));
  }

  /** Distinct tasks behind a number. */
  async countTasks(cohort: Sql, filter: CohortFilter, manyPerTask: boolean, within?: Sql): Promise<number> {
    const text = `SELECT ${manyPerTask ? 'COUNT(DISTINCT c.task_id)' : 'COUNT(*)'} FROM (${cohort.text}) AS c ${where(filter, within)}`;
    const [row] = await this.db.rows(text, [...cohort.params, ...values(filter, within)]);
    return Number(row?.[0] ?? 0);
  }

  /**
   * One page of the tasks behind a number, largest value first (ties by id): the page is chosen from
   * the cohort alone, then only its tasks are looked up. With `manyPerTask` (escalations), a task's
   * rows collapse to its largest value.
   */
  async topTasks(
    cohort: Sql,
    filter: CohortFilter,
    limit: number,
    manyPerTask: boolean,
    within?: Sql,
  ): Promise<ListedTask[]> {
    const text = manyPerTask
      ? `SELECT c.task_id, MAX(c.value) AS value, MAX(c.met) AS met FROM (${cohort.text}) AS c ${where(filter, within)}
         GROUP BY c.task_id ORDER BY value DESC, c.task_id LIMIT ?`
      : `SELECT c.task_id, c.value, c.met FROM (${cohort.text}) AS c ${where(filter, within)}
         ORDER BY c.value DESC, c.task_id LIMIT ?`;
    const page = numbered(
      await this.db.all<ListedTask>(text, [...cohort.params, ...values(filter, within), limit]),
    );
    if (page.length === 0) return [];
    const labels = new Map(
      (
        await this.db.all<ListedTask>(
          `SELECT task_id, title, unit, kind, priority, status FROM outcome_tasks WHERE task_id IN (${marks(page)})`,
          page.map((row) => row.task_id),
        )
      ).map((label) => [label.task_id, label]),
    );
    return page.flatMap((row) => {
      const label = labels.get(row.task_id);
      return label ? [{ ...label, value: row.value, met: row.met }] : [];
    });
  }

  /**
   * One page of the tasks behind a number restricted to `visible` groups (see `visibilityGroups`),
   * largest value first, ties by id.
   */
  async visibleTasks(
    cohort: Sql,
    filter: CohortFilter,
    visible: readonly VisibilityGroup[],
    callerId: string,
    limit: number,
    manyPerTask: boolean,
    within?: Sql,
  ): Promise<ListedTask[]> {
    const group =
      '(t.unit = ? AND t.kind = ? AND t.candidate_roles = ? AND CASE WHEN t.owner_id = ? THEN 1 ELSE 0 END = ?)';
    const conditions = [
      ...filter.map(([d]) => `c.${d} = ?`),
      ...(within ? [`(${within.text})`] : []),
      `(${visible.map(() => group).join(' OR ')})`,
    ];
    const params: SqlValue[] = [...values(filter, within)];
    for (const g of visible) params.push(g.unit, g.kind, g.candidateRoles, callerId, g.mine ? 1 : 0);
    const columns = 't.title, t.unit, t.kind, t.priority, t.status';
    const text = `SELECT c.task_id, ${manyPerTask ? 'MAX(c.value) AS value, MAX(c.met) AS met' : 'c.value, c.met'}, ${columns}
      FROM (${cohort.text}) AS c JOIN outcome_tasks t ON t.task_id = c.task_id
      WHERE ${conditions.join(' AND ')}
      ${manyPerTask ? `GROUP BY c.task_id, ${columns}` : ''}
      ORDER BY value DESC, c.task_id LIMIT ?`;
    return numbered(await this.db.all<ListedTask>(text, [...cohort.params, ...params, limit]));
  }
}

/** Values and met flags as numbers on both engines (PostgreSQL hands BIGINT sums back as they are typed). */
function numbered<T extends { value: number; met: number | null }>(rows: T[]): T[] {
  return rows.map((row) => ({
    ...row,
    value: Number(row.value),
    met: row.met === null ? null : Number(row.met),
  }));
}
