/**
 * `npm run bench:metrics`: the dashboard's outcome queries over a changes log of 1,000,000 rows
 * (~150k tasks, 3 units, 4 weeks; bench/metrics-history.ts) in a temp SQLite file.
 *
 * 1. Builds the log (bulk inserts, big transactions) and times it.
 * 2. Times the first fold of the whole log into the outcome projection (what a relay does once, in the
 *    background, after migration 0005 on a store that already has history).
 * 3. For each window (12h, 24h, 7d) and scope (one unit: a charge nurse; all three: a supervisor), repeats
 *    a dashboard request as the route serves it: catch the projection up (`LIVE_CHANGES` new rows are
 *    appended before every request, as a busy relay would have written), compute the report, serialize
 *    the JSON. Also the CSV, and the tasks behind the biggest figure. Reports p50 and p99 (nearest-rank).
 *
 * Goal: p99 under 300 ms. Usage: npm run bench:metrics [-- --changes 1000000 --days 28 --reps 150]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal, Task } from '../src/domain';
import { reportToCsv } from '../server/src/metrics/csv';
import { OutcomeQueries } from '../server/src/metrics/outcome-queries';
import { outcomeReport, tasksBehind, type MetricScope } from '../server/src/metrics/outcomes';
import { nearestRank } from '../server/src/metrics/percentile';
import { OutcomeProjection } from '../server/src/metrics/projection';
import { NAMED_WINDOWS, type WindowName } from '../server/src/metrics/window';
import { openSqliteStore } from '../server/src/store/database';
import { random, UNITS, writeHistory } from './metrics-history';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const CHANGES = Number(args.get('changes') ?? 1_000_000);
const DAYS = Number(args.get('days') ?? 28);
const REPS = Number(args.get('reps') ?? 150);
/** Rows appended before each request: a few seconds of a busy three-ward relay. */
const LIVE_CHANGES = 20;
const WARM_UP = 3;
const GOAL_P99_MS = 300;
const END = Date.parse('2026-11-26T20:00:00.000Z');

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const loadAtStart = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), 'wardline-bench-metrics-'));
try {
  const engine = await openSqliteStore(dir);
  const db = engine.db;
  console.error(`building ${fmt(CHANGES)} changes over ${DAYS} days …`);
  let t = performance.now();
  const history = writeHistory(db, { changes: CHANGES, days: DAYS, end: END, seed: 20_261_126 });
  const buildMs = performance.now() - t;
  const fileMb = (statSync(join(dir, 'wardline.db')).size + walSize(dir)) / 1e6;

  const projection = new OutcomeProjection(engine);
  t = performance.now();
  const folded = await projection.catchUp();
  const foldMs = performance.now() - t;

  const queries = new OutcomeQueries(engine);
  const rng = random(7);
  let now = END;
  let seq = history.rows;
  const append = db.prepare(
    `INSERT INTO changes (seq, task_id, unit, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail, task)
     VALUES (?, ?, ?, 'commented', 'nurse-1', 'Nurse 1', ?, NULL, ?, ?, ?, NULL, ?)`,
  );
  /** A few seconds pass and staff comment on open work: rows the next request has to fold first. */
  const live = db.transaction((open: Task[]) => {
    for (let i = 0; i < LIVE_CHANGES; i++) {
      now += 200;
      const task = open[Math.floor(rng() * open.length)]!;
      task.version += 1;
      task.seq = ++seq;
      task.updatedAt = new Date(now).toISOString();
      append.run(
        seq,
        task.id,
        task.unit,
        `live-${seq}`,
        task.version - 1,
        task.version,
        task.updatedAt,
        JSON.stringify(task),
      );
    }
  });

  const supervisor: Principal = {
    id: 'sup',
    tenantId: 't',
    name: 'Sup',
    roles: ['Supervisor'],
    units: [...UNITS],
  };
  const scopes = [
    ['one unit (4W)', ['4W']],
    ['all three units', [...UNITS]],
  ] as const;
  const windows: WindowName[] = ['12h', '24h', '7d'];
  const scopeOf = (name: WindowName, units: readonly string[]): MetricScope => ({
    units,
    window: {
      name,
      from: new Date(now - NAMED_WINDOWS[name]).toISOString(),
      to: new Date(now).toISOString(),
    },
    now: new Date(now),
  });

  interface Row {
    label: string;
    scope: string;
    figures: number;
    rows: number;
    p50: number;
    p99: number;
    max: number;
    foldP50: number;
    foldP99: number;
  }
  const results: Row[] = [];
  async function measure(
    label: string,
    scope: string,
    request: () => Promise<{ figures: number; rows: number }>,
  ) {
    const times: number[] = [];
    const folds: number[] = [];
    let shape = { figures: 0, rows: 0 };
    for (let i = 0; i < WARM_UP + REPS; i++) {
      live(history.open);
      const start = performance.now();
      await projection.catchUp();
      const folded = performance.now();
      shape = await request();
      if (i < WARM_UP) continue;
      times.push(performance.now() - start);
      folds.push(folded - start);
    }
    times.sort((a, b) => a - b);
    folds.sort((a, b) => a - b);
    results.push({
      label,
      scope,
      ...shape,
      p50: nearestRank(times, 50)!,
      p99: nearestRank(times, 99)!,
      max: times[times.length - 1]!,
      foldP50: nearestRank(folds, 50)!,
      foldP99: nearestRank(folds, 99)!,
    });
    console.error(`  ${label}, ${scope}: p50 ${fmt(nearestRank(times, 50)!, 1)} ms`);
  }

  for (const name of windows) {
    for (const [scopeName, units] of scopes) {
      await measure(`JSON report, ${name}`, scopeName, async () => {
        const report = await outcomeReport(queries, scopeOf(name, units));
        const body = JSON.stringify(report);
        return { figures: report.figures.length, rows: body.length };
      });
    }
  }
  await measure('CSV export, 7d', 'all three units', async () => {
    const report = await outcomeReport(queries, scopeOf('7d', UNITS));
    const body = reportToCsv(report);
    return { figures: report.figures.length, rows: body.length };
  });
  const chargeNurse: Principal = {
    id: 'cn',
    tenantId: 't',
    name: 'CN',
    roles: ['ChargeNurse'],
    units: ['4W'],
  };
  await measure('tasks behind time-to-resolve, 4W discharges, 7d, first 200', 'one unit (4W)', async () => {
    const filter = { unit: '4W', kind: 'discharge' };
    const list = await tasksBehind(
      queries,
      'time-to-resolve',
      scopeOf('7d', ['4W']),
      filter,
      chargeNurse,
      200,
    );
    return { figures: 1, rows: list.total };
  });
  await measure('tasks behind time-to-resolve (all), 7d, first 200', 'all three units', async () => {
    const list = await tasksBehind(queries, 'time-to-resolve', scopeOf('7d', UNITS), {}, supervisor, 200);
    return { figures: 1, rows: list.total };
  });
  // A coordinator may not open every task counted (result acknowledgements): the filtered path.
  const coordinator: Principal = { ...supervisor, id: 'co', roles: ['Coordinator'] };
  await measure(
    'tasks behind time-to-resolve (all), 7d, first 200, as a coordinator',
    'all three units',
    async () => {
      const list = await tasksBehind(queries, 'time-to-resolve', scopeOf('7d', UNITS), {}, coordinator, 200);
      return { figures: 1, rows: list.total };
    },
  );

  const counts = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM changes) AS changes, (SELECT COUNT(*) FROM outcome_tasks) AS tasks,
              (SELECT COUNT(*) FROM outcome_tasks WHERE status IN ('requested','accepted','in-progress','on-hold')) AS open`,
    )
    .get() as { changes: number; tasks: number; open: number };
  const weekTasks = (
    db
      .prepare('SELECT COUNT(*) AS n FROM outcome_tasks WHERE completed_ms >= ?')
      .get(now - NAMED_WINDOWS['7d']) as {
      n: number;
    }
  ).n;

  console.log(
    `Metrics benchmark, node ${process.version}, ${new Date().toISOString()}, ${cpus().length} cores, ` +
      `load average ${fmt(loadAtStart, 1)} at start and ${fmt(loadavg()[0]!, 1)} at the end`,
  );
  console.log('');
  console.log('| set-up | value |');
  console.log('|---|---|');
  console.log(
    `| changes rows | ${fmt(history.rows)} (${fmt(counts.changes)} after the runs' live appends) |`,
  );
  console.log(
    `| tasks | ${fmt(counts.tasks)} over ${DAYS} days, 3 units; ${fmt(counts.open)} open at the end |`,
  );
  console.log(`| tasks completed in the last 7 days | ${fmt(weekTasks)} |`);
  console.log(
    `| build (bulk inserts, 50k rows per transaction) | ${fmt(buildMs / 1000, 1)} s, ${fmt(fileMb)} MB |`,
  );
  console.log(
    `| first fold of the whole log into the projection | ${fmt(foldMs / 1000, 1)} s (${fmt((folded / foldMs) * 1000)} changes/s) |`,
  );
  console.log('');
  console.log(
    `Each request: fold ${LIVE_CHANGES} new changes, compute, serialize. ${REPS} requests after ${WARM_UP} warm-up.`,
  );
  console.log('');
  console.log(
    '| request | scope | figures | output | p50 ms | p99 ms | max ms | of which fold p50 / p99 ms | goal p99 < 300 ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const output = r.label.startsWith('tasks') ? `${fmt(r.rows)} tasks` : `${fmt(r.rows / 1000)} kB`;
    console.log(
      `| ${r.label} | ${r.scope} | ${fmt(r.figures)} | ${output} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.max, 1)} | ${fmt(r.foldP50, 1)} / ${fmt(r.foldP99, 1)} | ${r.p99 < GOAL_P99_MS ? 'met' : '**missed**'} |`,
    );
  }
  await engine.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function walSize(folder: string): number {
  try {
    return statSync(join(folder, 'wardline.db-wal')).size;
  } catch {
    return 0;
  }
}
