/**
 * Escalations with several relays on one PostgreSQL (docs/STORE.md CL5–CL7): every relay runs the
 * scheduler, the database's clock decides what is due, and each (task, level, repeat) fires once
 * whoever is alive — through a relay killed, a relay frozen while holding due rows, and a database
 * restart.
 */
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { statResult } from '../helpers/events';
import { startTestPostgres, testDatabase } from '../helpers/postgres';
import { devToken, postEvents, spawnRelay, startTestRelay, tempDir, type ChildRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';
import { PostgresEngine } from '../../server/src/store/postgres-engine';

interface Firing {
  task_id: string;
  at: string;
  detail: string;
}

/** Every timer firing in the log: (task, level, repeat) is the detail ("level 1: ChargeNurse (unit)"). */
async function firings(url: string): Promise<Firing[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (
      await client.query<Firing>(
        `SELECT task_id, at, detail FROM changes WHERE change = 'escalated' AND actor_id = 'system' ORDER BY seq`,
      )
    ).rows;
  } finally {
    await client.end();
  }
}

/** Each task fired exactly once (at level 1); answers each firing's lag behind its deadline, in ms. */
function firedOnce(fired: Firing[], deadlines: Map<string, number>): number[] {
  const byTask = new Map<string, Firing[]>();
  for (const f of fired) byTask.set(f.task_id, [...(byTask.get(f.task_id) ?? []), f]);
  expect(byTask.size).toBe(deadlines.size);
  const lags: number[] = [];
  for (const [id, deadline] of deadlines) {
    const own = byTask.get(id) ?? [];
    expect(
      own.map((f) => f.detail),
      id,
    ).toEqual(['level 1: ChargeNurse (unit)']);
    lags.push(Date.parse(own[0]!.at) - deadline);
  }
  return lags.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** `count` stat results on 4W due from `firstAt` on, spread `everyMs` apart. */
function deadlinesFrom(prefix: string, count: number, firstAt: number, everyMs: number) {
  const deadlines = new Map<string, number>();
  const events = Array.from({ length: count }, (_, i) => {
    const at = firstAt + i * everyMs;
    deadlines.set(`${prefix}-${i}`, at);
    return statResult(`${prefix}-${i}`, new Date(at), {
      patient: { ref: `Patient/${prefix}${i}`, name: `Due ${i}`, mrn: `TEST-${prefix}${i}` },
    });
  });
  return { deadlines, events };
}

async function ingest(url: string, events: unknown[]): Promise<void> {
  const token = await devToken(url, 'integration-engine');
  for (let i = 0; i < events.length; i += 100)
    expect((await postEvents(url, token, events.slice(i, i + 100))).status).toBe(202);
}

// Guards for a loaded machine, not speed bounds: the bounds the issue sets are asserted inside.
describe('escalations across relays on one PostgreSQL', { timeout: 120_000 }, () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function database(serverUrl = inject('postgresUrl')): Promise<string> {
    const db = await testDatabase(serverUrl);
    cleanup.push(() => db.drop());
    return db.url;
  }

  it('[CL6] a relay frozen while holding due rows holds them at most 5 s: another relay fires them ≤ 6 s late', async () => {
    const url = await database();
    const relay = await startTestRelay({ DATABASE_URL: url, RELAY_ID: 'relay-a', ...chargeNurseFirstEnv() });
    cleanup.push(() => relay.stop());
    const { deadlines, events } = deadlinesFrom('held', 20, Date.now() + 5_000, 0);
    await ingest(relay.url, events);

    // A connection set up exactly as a relay's takes the rows as a scheduler round does, before they
    // are due; then its process stops answering: nothing more is sent on the open transaction.
    const frozen = PostgresEngine.create({ connectionString: url });
    cleanup.push(() => frozen.close());
    const holder = await frozen.dedicatedClient();
    holder.on('error', () => undefined); // the server ends this session: that is the bound at work
    cleanup.push(() => holder.end().catch(() => undefined));
    await holder.query('BEGIN');
    const held = await holder.query(
      `SELECT id FROM tasks WHERE next_escalation_at IS NOT NULL FOR UPDATE SKIP LOCKED`,
    );
    const frozenAt = Date.now();
    expect(held.rowCount).toBe(20);
    expect(frozenAt).toBeLessThan(Math.min(...deadlines.values()));

    await until(async () => (await firings(url)).length >= 20, 30_000, 'the held rows to fire');
    const lags = firedOnce(await firings(url), deadlines);
    // Held past the deadline (the relay could not take them) and fired once the server ended the
    // frozen session: idle_in_transaction_session_timeout (5 s) + the 250 ms recheck, ≤ 6 s late.
    const firedAt = Math.min(...lags) + Math.min(...deadlines.values());
    expect(firedAt - frozenAt).toBeGreaterThanOrEqual(4_500);
    expect(Math.max(...lags)).toBeLessThanOrEqual(6_000);
  });

  it('[CL7] the database restarts: what came due while it was down fires once within 5 s of it being back', async () => {
    // A server of this test's own: restarting the suite's would cut every other file's connections.
    const server = await startTestPostgres();
    cleanup.push(() => server.stop());
    if (!server.restart) return expect.fail('this test needs a PostgreSQL it can restart');
    const url = await database(server.url);
    const relays = await Promise.all(
      ['relay-a', 'relay-b'].map((id) =>
        startTestRelay({ DATABASE_URL: url, RELAY_ID: id, ...chargeNurseFirstEnv() }),
      ),
    );
    cleanup.push(() => Promise.all(relays.map((r) => r.stop())).then(() => undefined));
    const { deadlines, events } = deadlinesFrom('down', 50, Date.now() + 6_000, 40);
    await ingest(relays[0]!.url, events);

    // Down (as a crash: immediate stop) before the first deadline, back after the last.
    await sleep(Math.max(0, Math.min(...deadlines.values()) - Date.now() - 2_000));
    await server.restart(6_000);
    const backAt = Date.now();
    expect(backAt).toBeGreaterThan(Math.max(...deadlines.values()));

    await until(
      async () => (await firings(url).catch(() => [])).length >= 50,
      30_000,
      'the due rows to fire',
    );
    const fired = await firings(url);
    firedOnce(fired, deadlines);
    const latest = Math.max(...fired.map((f) => Date.parse(f.at)));
    console.log(
      `[CL7] 50 deadlines passed while the database was down: all fired ${latest - backAt} ms after it was back`,
    );
    expect(latest - backAt).toBeLessThanOrEqual(5_000);
  });

  it('[CL5][CL6] three relays, one SIGKILLed and one frozen for 20 s: each deadline fires exactly once, ≤ 6 s late', async () => {
    const url = await database();
    const data = ['a', 'b', 'c'].map(() => tempDir());
    cleanup.push(() => data.forEach((d) => d.remove()));
    const relays: ChildRelay[] = [];
    for (const [i, id] of ['relay-a', 'relay-b', 'relay-c'].entries()) {
      const child = await spawnRelay({
        DATA_DIR: data[i]!.path,
        DATABASE_URL: url,
        RELAY_ID: id,
        ...chargeNurseFirstEnv(),
      });
      relays.push(child);
      cleanup.push(async () => {
        child.process.kill('SIGCONT');
        child.process.kill('SIGKILL');
        await child.exited;
      });
    }
    const [a, b, c] = relays as [ChildRelay, ChildRelay, ChildRelay];
    // 300 deadlines over 30 s (10 a second), starting once everything is ingested.
    const count = 300;
    const { deadlines, events } = deadlinesFrom('chaos', count, Date.now() + 12_000, 100);
    await ingest(a.url, events);
    const first = Math.min(...deadlines.values());
    expect(Date.now()).toBeLessThan(first);

    await sleep(first + 5_000 - Date.now());
    c.process.kill('SIGKILL'); // relay C dies mid-stream
    await sleep(3_000);
    b.process.kill('SIGSTOP'); // relay B freezes for 20 s, maybe holding a round of due rows
    await sleep(20_000);
    b.process.kill('SIGCONT');

    await until(async () => (await firings(url)).length >= count, 60_000, 'every deadline to fire');
    await sleep(2_000); // a double firing, if there were one, would land now
    const lags = firedOnce(await firings(url), deadlines);
    console.log(
      `[CL5] ${count} deadlines, 3 relays (one killed, one frozen 20 s): lag p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${lags.at(-1)} ms`,
    );
    expect(lags.at(-1)).toBeLessThanOrEqual(6_000);
    expect(await c.exited).toBe('SIGKILL');
  }, 300_000);
});
