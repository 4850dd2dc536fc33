/**
 * `npm run bench:ingest`: events per second through the whole ingest path (validate → transaction →
 * task + changes + inbox rows) against raw SQLite inserts of the very same rows with the same
 * durability settings (WAL, synchronous=FULL, one transaction per event), side by side in one run,
 * repeated. Also the same events over HTTP (`POST /api/events`, batches of 50) through a real relay.
 *
 * With `--engine postgres` (bench/ingest-postgres.ts) it also runs the path and the raw inserts on a
 * throwaway PostgreSQL (or DATABASE_URL), and the per-stream commit ceiling of the seq counter row.
 *
 * Usage: npm run bench:ingest [-- --events 5000 --rounds 3 --engine postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../server/src/config';
import { generateEvents } from '../server/src/demo';
import { ingestOne } from '../server/src/ingest/ingest';
import { createLogger } from '../server/src/log';
import { startRelay } from '../server/src/relay';
import { openSqliteStore } from '../server/src/store/database';
import type { Db } from '../server/src/store/sqlite-engine';
import { SqlWorklistStore } from '../server/src/store/worklist-store';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 5_000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const HTTP_BATCH = 50;
const ENGINE = args.get('engine') ?? 'sqlite';

const silent = createLogger({
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});
const events = generateEvents(20_261_126, EVENTS, new Date('2026-11-26T07:00:00Z'));

function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'wardline-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
}

function summarize(latenciesMs: number[], totalMs: number): Run {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    perSecond: (latenciesMs.length / totalMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** The whole path, in process: what POST /api/events and the Service Bus receiver call per event. */
async function runPath(): Promise<{ run: Run; rows: ReturnType<typeof captureRows> }> {
  const dir = tempDir();
  const engine = await openSqliteStore(dir.path);
  const store = await SqlWorklistStore.open(engine);
  const latencies: number[] = [];
  const start = performance.now();
  for (const event of events) {
    const t0 = performance.now();
    await ingestOne(store, event, silent);
    latencies.push(performance.now() - t0);
  }
  const run = summarize(latencies, performance.now() - start);
  const rows = captureRows(engine.db);
  await engine.close();
  dir.remove();
  return { run, rows };
}

/** The rows the path wrote, per applied event, in order: what the raw baseline inserts. */
function captureRows(db: Db) {
  const changes = db.prepare('SELECT * FROM changes ORDER BY seq').all() as Array<Record<string, unknown>>;
  const inbox = new Map(
    (db.prepare('SELECT * FROM inbox').all() as Array<Record<string, unknown>>).map((r) => [r.event_id, r]),
  );
  return changes.map((c) => ({ change: c, inbox: inbox.get(c.event_id) }));
}

async function runRaw(rows: ReturnType<typeof captureRows>): Promise<Run> {
  const dir = tempDir();
  const engine = await openSqliteStore(dir.path);
  const db = engine.db;
  const upsert = db.prepare(
    `INSERT INTO tasks (id, unit, kind, status, owner_id, revision, version, seq, next_escalation_at, body)
     VALUES (@id, @unit, @kind, @status, NULL, @revision, @version, @seq, NULL, @body)
     ON CONFLICT (id) DO UPDATE SET unit = excluded.unit, kind = excluded.kind, status = excluded.status,
       revision = excluded.revision, version = excluded.version, seq = excluded.seq, body = excluded.body`,
  );
  const change = db.prepare(
    `INSERT INTO changes (seq, task_id, unit, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail, task)
     VALUES (@seq, @task_id, @unit, @change, @actor_id, @actor_name, @command_id, @event_id, @version_before, @version_after, @at, @detail, @task)`,
  );
  const inbox = db.prepare(
    'INSERT INTO inbox (event_id, task_id, type, result, reason, received_at) VALUES (@event_id, @task_id, @type, @result, @reason, @received_at)',
  );
  const prepared = rows.map(({ change: c, inbox: i }) => {
    const task = JSON.parse(c.task as string) as { kind: string; status: string; revision: number };
    return {
      c,
      i,
      t: {
        id: c.task_id,
        unit: c.unit,
        kind: task.kind,
        status: task.status,
        revision: task.revision,
        version: c.version_after,
        seq: c.seq,
        body: c.task,
      },
    };
  });
  const write = db.transaction((r: (typeof prepared)[number]) => {
    upsert.run(r.t);
    change.run(r.c);
    if (r.i) inbox.run(r.i);
  });
  const latencies: number[] = [];
  const start = performance.now();
  for (const r of prepared) {
    const t0 = performance.now();
    write.immediate(r);
    latencies.push(performance.now() - t0);
  }
  const run = summarize(latencies, performance.now() - start);
  await engine.close();
  dir.remove();
  return run;
}

async function runHttp(): Promise<Run> {
  const dir = tempDir();
  const loaded = loadConfig({ PORT: '0', DATA_DIR: dir.path, DEMO_FEED: 'off', STATIC_DIR: dir.path });
  if (!loaded.ok) throw new Error(loaded.problems.join(' '));
  const relay = await startRelay(loaded.config, { logger: silent });
  const tokenRes = await fetch(`${relay.url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"staffId":"integration-engine"}',
  });
  const { accessToken } = (await tokenRes.json()) as { accessToken: string };
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < events.length; i += HTTP_BATCH) {
    const batch = events.slice(i, i + HTTP_BATCH);
    const t0 = performance.now();
    const res = await fetch(`${relay.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(batch),
    });
    await res.arrayBuffer();
    // Per-event latency of a batch: the batch's time spread over its events.
    const each = (performance.now() - t0) / batch.length;
    for (let k = 0; k < batch.length; k++) latencies.push(each);
  }
  const run = summarize(latencies, performance.now() - start);
  await relay.close();
  dir.remove();
  return run;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(
  `Ingest benchmark: ${EVENTS} demo events, ${ROUNDS} rounds, node ${process.version}, ${new Date().toISOString()}`,
);
console.log(
  '| round | raw SQLite ev/s | path ev/s | path ÷ raw | raw p50 / p99 ms | path p50 / p99 ms | HTTP ev/s (batches of 50) |',
);
console.log('|---|---|---|---|---|---|---|');
const ratios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const path = await runPath();
  const raw = await runRaw(path.rows);
  const http = await runHttp();
  const ratio = path.run.perSecond / raw.perSecond;
  ratios.push(ratio);
  console.log(
    `| ${round} | ${fmt(raw.perSecond)} | ${fmt(path.run.perSecond)} | ${fmt(ratio, 2)} | ${fmt(raw.p50, 3)} / ${fmt(raw.p99, 3)} | ${fmt(path.run.p50, 3)} / ${fmt(path.run.p99, 3)} | ${fmt(http.perSecond)} |`,
  );
}
ratios.sort((a, b) => a - b);
console.log(`\nmedian path ÷ raw: ${fmt(ratios[Math.floor(ratios.length / 2)]!, 2)} (goal ≥ 0.50)`);

if (ENGINE === 'postgres') {
  const { postgresBench } = await import('./ingest-postgres');
  const bench = await postgresBench();
  try {
    console.log(
      '\n| round | raw PostgreSQL ev/s | path ev/s | path ÷ raw | raw p50 / p99 ms | path p50 / p99 ms | SQLite path ÷ raw, same round |',
    );
    console.log('|---|---|---|---|---|---|---|');
    const pgRatios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const path = await bench.path(events, silent);
      const raw = await bench.raw(path.rows);
      const p = summarize(path.latenciesMs, path.totalMs);
      const r = summarize(raw.latenciesMs, raw.totalMs);
      const sqlitePath = await runPath();
      const sqliteRaw = await runRaw(sqlitePath.rows);
      const ratio = p.perSecond / r.perSecond;
      pgRatios.push(ratio);
      console.log(
        `| ${round} | ${fmt(r.perSecond)} | ${fmt(p.perSecond)} | ${fmt(ratio, 2)} | ${fmt(r.p50, 3)} / ${fmt(r.p99, 3)} | ${fmt(p.p50, 3)} / ${fmt(p.p99, 3)} | ${fmt(sqlitePath.run.perSecond / sqliteRaw.perSecond, 2)} (${fmt(sqlitePath.run.perSecond)} ÷ ${fmt(sqliteRaw.perSecond)}) |`,
      );
    }
    pgRatios.sort((a, b) => a - b);
    console.log(
      `\nmedian PostgreSQL path ÷ raw: ${fmt(pgRatios[Math.floor(pgRatios.length / 2)]!, 2)} (goal ≥ 0.50)`,
    );
    for (const writers of [1, 8]) {
      const perSecond = await bench.ceiling(writers, 3_000);
      console.log(
        `per-stream commit ceiling, ${writers} writer(s) taking only the seq: ${fmt(perSecond)} commits/s`,
      );
    }
  } finally {
    await bench.close();
  }
}
