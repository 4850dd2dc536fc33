/**
 * `npm run bench:cluster-escalations [-- --count 1000 --seconds 60 --on-arrival]`: the bigger variant of the test
 * "[CL5][CL6] three relays, one SIGKILLed and one frozen for 20 s" (docs/STORE.md CL5–CL6). Three relay
 * processes on one PostgreSQL (`DATABASE_URL`, a superuser URL, or a throwaway server like the tests'),
 * `count` deadlines spread over `seconds`; a quarter of the way in relay C is SIGKILLed and started
 * again, half-way relay B is frozen (SIGSTOP) for 20 s. Reports whether each (task, level, repeat) fired
 * exactly once, and the firing lag (database time of the firing − deadline) p50/p99/max, overall and
 * for the deadlines that fell in the freeze. The relays run the default policies without their on-arrival
 * levels (`CHARGE_NURSE_FIRST`, as the test does), so the first firing is the charge nurse's at each
 * result's acknowledge-by time: the deadline under test. With the default chain (`--on-arrival`) a stat
 * result's bed nurse is told on arrival and, with none, the charge nurse at once (docs/ASSIGNMENTS.md
 * AS13): every first firing then comes in one burst at ingest, ~30 s before its deadline, so that mode
 * reports only "arrival → first firing" (its `changes.at` − the task's first) — the deadline lags were
 * meaningless numbers (about −30 s) while this bench ran the default chain.
 * Smallest useful run: `npm run bench:cluster-escalations -- --count 100 --seconds 10`.
 */
import pg from 'pg';
import { statResult } from '../tests/helpers/events';
import { chargeNurseFirstEnv } from '../tests/helpers/policies';
import { startTestPostgres, testDatabase } from '../tests/helpers/postgres';
import { devToken, postEvents, spawnRelay, tempDir, type ChildRelay } from '../tests/helpers/relay';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? NaN : Number(process.argv[i + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const pct = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const summary = (lags: number[]) => {
  const sorted = [...lags].sort((a, b) => a - b);
  return `p50 ${pct(sorted, 50)} ms, p99 ${pct(sorted, 99)} ms, max ${sorted.at(-1)} ms (n=${sorted.length})`;
};

async function main(): Promise<void> {
  const count = arg('count', 1_000);
  const seconds = arg('seconds', 60);
  const onArrival = process.argv.includes('--on-arrival');
  const server = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, stop: async () => undefined }
    : await startTestPostgres();
  const db = await testDatabase(server.url);
  const dirs = [tempDir(), tempDir(), tempDir()];
  const relays: ChildRelay[] = [];
  const start = (i: number) =>
    spawnRelay({
      DATA_DIR: dirs[i]!.path,
      DATABASE_URL: db.url,
      RELAY_ID: `relay-${'abc'[i]}`,
      ...(onArrival ? {} : chargeNurseFirstEnv()),
    });
  try {
    for (let i = 0; i < 3; i++) relays.push(await start(i));
    const [a, b] = relays as [ChildRelay, ChildRelay, ChildRelay];
    // Ingest before the first deadline: about 4 ms an event on a quiet machine, with room for a busy one.
    const first = Date.now() + 5_000 + count * 15;
    const every = (seconds * 1_000) / count;
    const deadlines = new Map<string, number>();
    const events = Array.from({ length: count }, (_, i) => {
      const at = Math.round(first + i * every);
      deadlines.set(`bench-${i}`, at);
      return statResult(`bench-${i}`, new Date(at), {
        patient: { ref: `Patient/bench${i}`, name: `Bench ${i}`, mrn: `BENCH-${i}` },
      });
    });
    const token = await devToken(a.url, 'integration-engine');
    for (let i = 0; i < events.length; i += 200) await postEvents(a.url, token, events.slice(i, i + 200));
    if (Date.now() > first) console.log('warning: ingest ran past the first deadline; lags include it');

    await sleep(first + (seconds * 1_000) / 4 - Date.now());
    relays[2]!.process.kill('SIGKILL');
    await relays[2]!.exited;
    // C comes back as an orchestrator would restart it, while the others carry on.
    const restarted = start(2).then((relay) => (relays[2] = relay));
    await sleep(first + (seconds * 1_000) / 2 - Date.now());
    const frozenFrom = Date.now();
    b.process.kill('SIGSTOP');
    await sleep(20_000);
    b.process.kill('SIGCONT');
    const frozenTo = Date.now();
    await restarted;

    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const lastDeadline = Math.max(...deadlines.values());
    let rows: Array<{ task_id: string; at: string; detail: string }> = [];
    for (const end = lastDeadline + 60_000; Date.now() < end; await sleep(1_000)) {
      rows = (
        await sql.query<{ task_id: string; at: string; detail: string }>(
          `SELECT task_id, at, detail FROM changes WHERE change = 'escalated' AND actor_id = 'system'`,
        )
      ).rows;
      if (rows.length >= count && Date.now() > lastDeadline + 3_000) break;
    }
    // Arrival → first firing, per task: the burst the default chain fires at ingest.
    const arrivals = (
      await sql.query<{ arrived: string; fired: string | null }>(
        `SELECT MIN(at) AS arrived,
                MIN(at) FILTER (WHERE change = 'escalated' AND actor_id = 'system') AS fired
         FROM changes GROUP BY task_id`,
      )
    ).rows.flatMap((r) => (r.fired ? [Date.parse(r.fired) - Date.parse(r.arrived)] : []));
    await sql.end();

    const keys = rows.map((r) => `${r.task_id}|${r.detail}`);
    const doubled = keys.length - new Set(keys).size;
    const missing = [...deadlines.keys()].filter((id) => !rows.some((r) => r.task_id === id)).length;
    const lags = rows.map((r) => Date.parse(r.at) - deadlines.get(r.task_id)!);
    const inFreeze = rows
      .filter((r) => {
        const d = deadlines.get(r.task_id)!;
        return d >= frozenFrom && d <= frozenTo;
      })
      .map((r) => Date.parse(r.at) - deadlines.get(r.task_id)!);
    console.log(
      `cluster escalations: ${count} deadlines over ${seconds} s, 3 relays (C SIGKILLed and restarted, B frozen 20 s)`,
    );
    console.log(`  fired ${rows.length}, doubled ${doubled}, missing ${missing}`);
    if (onArrival) {
      console.log(`  arrival → first firing (the arrival burst): ${summary(arrivals)}`);
    } else {
      console.log(`  lag all: ${summary(lags)}`);
      console.log(`  lag during the freeze: ${summary(inFreeze)}`);
    }
  } finally {
    for (const relay of relays) {
      relay.process.kill('SIGCONT');
      relay.process.kill('SIGKILL');
      await relay.exited;
    }
    await db.drop();
    await server.stop();
    for (const dir of dirs) dir.remove();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
