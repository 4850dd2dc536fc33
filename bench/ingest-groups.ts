/**
 * `npm run bench:ingest-groups`: events per second COMMITTED through the ingest path, this tree against
 * a base tree (before group commit, docs/STORE.md ST15–ST18), on SQLite and PostgreSQL, side by side in
 * one run. Two arrival shapes, the two the relay sees:
 *   - concurrent singles: `--workers` callers (Service Bus `maxConcurrentCalls`, several sessions) each
 *     handing one event at a time to `ingestOne` — what group commit coalesces;
 *   - HTTP batches: `ingestBatch` with 50 events per request, one request after another.
 * Each case runs on a fresh database; "commits" is the engine's counter (this tree only).
 *
 * The base tree is a plain checkout with its node_modules hard-linked, e.g.:
 *   rm -rf /tmp/base-ingest && mkdir /tmp/base-ingest && git archive 912563b | tar -x -C /tmp/base-ingest
 *   cp -al node_modules /tmp/base-ingest/node_modules
 *   npm run bench:ingest-groups -- --base /tmp/base-ingest --events 2000 --rounds 3
 * PostgreSQL: a throwaway server like the tests' (or DATABASE_URL, a superuser URL).
 */
import { cpus, loadavg } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { generateEvents } from '../server/src/demo';
import { createLogger, type Logger } from '../server/src/log';
import { startTestPostgres, testDatabase } from '../tests/helpers/postgres';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 2_000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const WORKERS = Number(args.get('workers') ?? 16);
const BATCH = 50;
const BASE = args.get('base') ? resolve(args.get('base')!) : null;
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',');

const silent = createLogger({
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});
const events = generateEvents(20_261_126, EVENTS, new Date('2026-11-26T07:00:00Z'));

/** The parts of one tree the bench drives; loaded from that tree's own files. */
interface Tree {
  name: string;
  openStore(options: { dataDir: string; databaseUrl?: string; poolSize?: number }): Promise<Engine>;
  open(engine: Engine): Promise<unknown>;
  ingestOne(store: unknown, input: unknown, logger: Logger): Promise<unknown>;
  ingestBatch(store: unknown, body: unknown, logger: Logger): Promise<unknown>;
}
interface Engine {
  commits?: number;
  close(): Promise<void>;
}

async function loadTree(root: string, name: string): Promise<Tree> {
  const database = (await import(join(root, 'server/src/store/database.ts'))) as {
    openStore: Tree['openStore'];
  };
  const store = (await import(join(root, 'server/src/store/worklist-store.ts'))) as {
    SqlWorklistStore: { open(engine: Engine): Promise<unknown> };
  };
  const ingest = (await import(join(root, 'server/src/ingest/ingest.ts'))) as Pick<
    Tree,
    'ingestOne' | 'ingestBatch'
  >;
  return {
    name,
    openStore: database.openStore,
    open: (engine) => store.SqlWorklistStore.open(engine),
    ingestOne: ingest.ingestOne,
    ingestBatch: ingest.ingestBatch,
  };
}

type Shape = 'singles' | 'batches';

async function drive(tree: Tree, store: unknown, shape: Shape): Promise<void> {
  if (shape === 'batches') {
    for (let i = 0; i < events.length; i += BATCH)
      await tree.ingestBatch(store, events.slice(i, i + BATCH), silent);
    return;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < events.length) await tree.ingestOne(store, events[next++], silent);
    }),
  );
}

async function measure(
  tree: Tree,
  engineName: string,
  shape: Shape,
  pgUrl: () => Promise<string>,
): Promise<{ perSecond: number; commits: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'wardline-bench-groups-'));
  try {
    const engine = await tree.openStore(
      engineName === 'sqlite'
        ? { dataDir: dir }
        : { dataDir: ':unused:', databaseUrl: await pgUrl(), poolSize: 10 },
    );
    const store = await tree.open(engine);
    const before = engine.commits ?? null;
    const start = performance.now();
    await drive(tree, store, shape);
    const ms = performance.now() - start;
    const commits = before === null ? null : engine.commits! - before;
    await engine.close();
    return { perSecond: (events.length / ms) * 1000, commits };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const trees = [await loadTree(resolve(import.meta.dirname, '..'), 'this tree')];
if (BASE) trees.unshift(await loadTree(BASE, `base (${BASE})`));

const server = ENGINES.includes('postgres')
  ? process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, stop: async () => undefined }
    : await startTestPostgres()
  : null;
const made: Array<{ drop(): Promise<void> }> = [];
const pgUrl = async () => {
  const db = await testDatabase(server!.url);
  made.push(db);
  return db.url;
};

console.log(
  `Ingest group commit: ${EVENTS} demo events, ${ROUNDS} rounds, ${WORKERS} concurrent callers or batches of ${BATCH}, ` +
    `node ${process.version}, ${cpus().length} cores, load average at start ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}, ${new Date().toISOString()}`,
);
console.log('\n| engine | arrival | tree | events/s committed (median) | rounds | commits per run |');
console.log('|---|---|---|---|---|---|');
try {
  for (const engineName of ENGINES) {
    for (const shape of ['singles', 'batches'] as const) {
      const runs = new Map<string, Array<{ perSecond: number; commits: number | null }>>();
      // Rounds interleave the trees, so a change in the machine's load hits both alike.
      for (let round = 0; round < ROUNDS; round++)
        for (const tree of trees) {
          const run = await measure(tree, engineName, shape, pgUrl);
          runs.set(tree.name, [...(runs.get(tree.name) ?? []), run]);
        }
      for (const tree of trees) {
        const r = runs.get(tree.name)!;
        const arrival = shape === 'singles' ? `${WORKERS} concurrent singles` : `HTTP batches of ${BATCH}`;
        console.log(
          `| ${engineName} | ${arrival} | ${tree.name} | ${fmt(median(r.map((x) => x.perSecond)))} | ${r
            .map((x) => fmt(x.perSecond))
            .join(' / ')} | ${r[0]!.commits === null ? '—' : r.map((x) => x.commits).join(' / ')} |`,
        );
      }
    }
  }
} finally {
  for (const db of made) await db.drop().catch(() => undefined);
  await server?.stop();
}
console.log(
  `\nload average at end ${loadavg()
    .map((l) => fmt(l, 2))
    .join(' ')}`,
);
