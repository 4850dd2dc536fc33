/**
 * `npm run bench:cluster` (BENCHMARKS.md "Several relays"; docs/CLUSTER.md): three relays on one
 * PostgreSQL behind HAProxy, and beside it in the same run one relay on SQLite, measured alike:
 *
 * 1. fan-out: changes ingested on relay A at `--rate` per second, spread over the units of the
 *    `--audience` (bench/cluster/audience.ts: `hospital`, the default, `--units` wards with their own
 *    devices; `one-unit`, every device sees every change); latency (POST sent → `taskChanged`) at the
 *    official clients connected directly to relays B and C (and A, for reference) that can see the task,
 *    with `--per-relay` connections per relay (the rest official clients in load processes, connected
 *    through HAProxy, reconnecting with the PWA's own retry policy);
 * 2. resync: relay B is SIGKILLed; its clients reconnect through HAProxy to A or C and finish their
 *    catch-up sync: time from the kill to each one's complete sync (SQLite: the relay restarts on its
 *    port, and the restart is in the figure: its clients have nowhere else to go), split into noticing
 *    the loss, reconnecting (negotiate + upgrade) and the sync pages, with the CPU the relays and the
 *    load processes used meanwhile;
 * 3. escalations: `--firings` deadlines at `--firing-rate` per second; the firing lag each scheduler
 *    logged ('escalation fired', lagMs), and which relay fired them.
 *
 * `--chaos` runs the long chaos variant of the acceptance test instead (tests/helpers/chaos.ts).
 * Usage: npm run bench:cluster [-- --audience hospital|one-unit --units 30 --backlog 1000 --per-relay 500 --rate 100
 *   --seconds 20 --firing-rate 150 --firings 1500 --skip-sqlite --chaos]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCluster } from '../tests/helpers/cluster';
import { CHAOS_RELAY_ENV, runChaos } from '../tests/helpers/chaos';
import { chargeNurseFirstEnv } from '../tests/helpers/policies';
import { routed, statResult } from '../tests/helpers/events';
import { freePort } from '../tests/helpers/haproxy';
import { connectAs, type WorklistClient } from '../tests/helpers/hub-client';
import { startTestPostgres, testDatabase } from '../tests/helpers/postgres';
import { devToken, spawnRelay, tempDir, type ChildRelay } from '../tests/helpers/relay';
import { placeStaff, wardTokens } from '../tests/helpers/ward-staff';
import {
  buildAudience,
  deliveriesPerSecond,
  type Audience,
  type AudienceShape,
  type Device,
} from './cluster/audience';
import type { Resync } from './cluster/load';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PER_RELAY = opt('per-relay', 500);
const RATE = opt('rate', 100);
const SECONDS = opt('seconds', 20);
const FIRING_RATE = opt('firing-rate', 150);
const FIRINGS = opt('firings', 1500);
const UNITS = opt('units', 30);
const AUDIENCE: AudienceShape = args.includes('one-unit') ? 'one-unit' : 'hospital';
// The open work already on the units when the devices sign in (the hospital's morning worklist): their
// first sync holds it, so their cursor is where a real device's is, not 0. The one-unit shape keeps the
// first runs' empty start.
const BACKLOG = opt('backlog', AUDIENCE === 'hospital' ? 1_000 : 0);
const MEASURED_PER_RELAY = 10;
const LOAD_PROCESSES = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const err = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const fmt = (ms: number) =>
  Number.isNaN(ms) ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;

interface Target {
  label: string;
  /** Where load clients connect (HAProxy, or the single relay). */
  entry: string;
  /** Relay id → its own URL. */
  relays: Map<string, string>;
  /** The relay changes are ingested on. */
  ingestOn: string;
  /** The shared data folder (the development key) and the tokens' issuer, for ward staff. */
  dataDir: string;
  issuerBase: string;
  /** The relay to kill in the resync phase; resolves once it is gone (and, for SQLite, back). */
  kill(): Promise<void>;
  afterKill(): Promise<void>;
  logs(): string;
}

interface Results {
  audience: Audience;
  fanout: Map<string, number[]>;
  resync: number[];
  resyncSteps: Resync[];
  killedAt: number;
  /** CPU seconds used during the resync by the surviving relays, and by the load processes. */
  resyncCpu: { relays: number; load: number; syncCalls: number; syncSeconds: number };
  resyncExpected: number;
  firingLags: number[];
  firedBy: Map<string, number>;
}

async function startLoad(target: Target, devices: Device[]): Promise<ChildProcess[]> {
  const children: ChildProcess[] = [];
  const per = Math.ceil(devices.length / LOAD_PROCESSES);
  await Promise.all(
    Array.from({ length: LOAD_PROCESSES }, async (_, i) => {
      const share = devices.slice(i * per, (i + 1) * per);
      if (share.length === 0) return;
      const child = fork(join(import.meta.dirname, 'cluster', 'load.ts'), [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.on('message', (m: { type: string }) => m.type === 'connected' && resolve());
        child.once('exit', (code) => reject(new Error(`load process exited ${code}`)));
        child.send({
          url: target.entry,
          devices: share,
          dataDir: target.dataDir,
          issuerBase: target.issuerBase,
        });
      });
    }),
  );
  return children;
}

interface LoadReport {
  heard: number;
  resyncs: Resync[];
  failures: Array<[string, number]>;
  cpuMs: number;
}

function ask(children: ChildProcess[]): Promise<LoadReport[]> {
  return Promise.all(
    children.map(
      (c) =>
        new Promise<LoadReport>((resolve) => {
          const on = (m: LoadReport & { type: string }) => {
            if (m.type !== 'report') return;
            c.off('message', on);
            resolve(m);
          };
          c.on('message', on);
          c.send({ type: 'report' });
        }),
    ),
  );
}

/** CPU seconds, and `sync` calls with their total seconds, from a relay's /metrics (zeros if absent). */
async function relayCounters(url: string): Promise<{ cpu: number; syncCalls: number; syncSeconds: number }> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    return {
      cpu: value(/^wardline_process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m),
      syncCalls: value(/^wardline_hub_method_duration_seconds_count\{[^}]*method="sync"[^}]*\} (\S+)$/m),
      syncSeconds: value(/^wardline_hub_method_duration_seconds_sum\{[^}]*method="sync"[^}]*\} (\S+)$/m),
    };
  } catch {
    return { cpu: 0, syncCalls: 0, syncSeconds: 0 };
  }
}

async function measure(target: Target): Promise<Results> {
  const relayCount = target.relays.size;
  const audience = buildAudience(AUDIENCE, PER_RELAY * relayCount, UNITS);
  const ingestUrl = target.relays.get(target.ingestOn)!;
  const wardPeople = audience.devices.flatMap((d) => (d.person ? [d.person] : []));
  if (wardPeople.length > 0) await placeStaff(ingestUrl, wardPeople);
  const sign = wardTokens(target.dataDir, target.issuerBase);
  err(
    `${target.label}: ${audience.devices.length} connections, audience ${audience.shape} (${audience.units.length} units); ${Math.round(deliveriesPerSecond(audience, RATE))} deliveries/s asked at ${RATE} changes/s`,
  );
  const token = await devToken(ingestUrl, 'integration-engine');
  let ingestRetries = 0;
  // As an integration engine does, a 5xx is sent again (after 1 s, up to five times) and counted; the
  // latency still runs from the first send.
  const post = async (events: unknown[]) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${ingestUrl}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(events),
      });
      if (res.status === 202) return;
      const why = `ingest ${res.status}: ${(await res.text()).slice(0, 200)}`;
      if (res.status < 500 || attempt === 5) throw new Error(why);
      ingestRetries++;
      err(`${target.label}: ${why}; sending again`);
      await sleep(1_000);
    }
  };
  const onUnit = (n: number) => {
    const unit = audience.unitOf(n);
    return {
      unit,
      patient: { ref: `Patient/bench-${n}`, name: 'Bench Patient', mrn: `B-${n}`, bed: `${unit}-01` },
    };
  };
  for (let i = 0; i < BACKLOG; i += 100)
    await post(
      Array.from({ length: Math.min(100, BACKLOG - i) }, (_, k) => routed(`open-${i + k}`, 1, onUnit(i + k))),
    );
  const measuredCount = MEASURED_PER_RELAY * relayCount;
  const load = await startLoad(target, audience.devices.slice(measuredCount));
  // Measured clients: connected straight to each relay, so the latency is "relay A → clients of X".
  const sentAt = new Map<string, number>();
  const fanout = new Map<string, number[]>();
  const measured: WorklistClient[] = [];
  let index = 0;
  for (const [id, url] of target.relays) {
    fanout.set(id, []);
    for (let i = 0; i < MEASURED_PER_RELAY; i++) {
      const device = audience.devices[index++]!;
      const person = device.person;
      const client = await connectAs(url, device.staffId, person ? { token: () => sign(person) } : {});
      client.connection.on('taskChanged', (task: { id: string }) => {
        const t0 = sentAt.get(task.id);
        if (t0 !== undefined && task.id.startsWith('fan-')) fanout.get(id)!.push(performance.now() - t0);
      });
      measured.push(client);
    }
  }
  err(`${target.label}: connected; fan-out at ${RATE}/s for ${SECONDS} s`);
  // Five changes every 50 ms: `RATE` per second.
  const perTick = Math.max(1, Math.round(RATE / 20));
  const ticks = Math.round((SECONDS * RATE) / perTick);
  const begin = performance.now();
  const posts: Array<Promise<void>> = [];
  for (let t = 0; t < ticks; t++) {
    const due = begin + t * 50;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const batch = Array.from({ length: perTick }, (_, k) => {
      const n = t * perTick + k;
      return routed(`fan-${n}`, 1, onUnit(n));
    });
    for (const e of batch) sentAt.set(e.data.taskId, performance.now());
    posts.push(post(batch));
  }
  await Promise.all(posts);
  if (ingestRetries > 0) err(`${target.label}: ${ingestRetries} ingest POSTs answered 5xx and sent again`);
  await sleep(5_000);

  err(`${target.label}: resync — killing ${target.label === 'sqlite' ? 'the relay' : 'relay-b'}`);
  await ask(load); // clears earlier resyncs and starts the CPU count
  const survivors = [...target.relays].filter(([id]) => id !== 'relay-b').map(([, url]) => url);
  const before = target.label === 'sqlite' ? [] : await Promise.all(survivors.map(relayCounters));
  const killedAt = Date.now();
  await target.kill();
  const resync: number[] = [];
  const resyncSteps: Resync[] = [];
  let loadCpuMs = 0;
  const failures = new Map<string, number>();
  let quietSince = Date.now();
  while (Date.now() - killedAt < 120_000) {
    await sleep(1_000);
    const reports = await ask(load);
    loadCpuMs += reports.reduce((sum, r) => sum + r.cpuMs, 0);
    const fresh = reports.flatMap((r) => r.resyncs);
    for (const [why, n] of reports.flatMap((r) => r.failures))
      failures.set(why, (failures.get(why) ?? 0) + n);
    if (fresh.length > 0) quietSince = Date.now();
    resyncSteps.push(...fresh);
    resync.push(...fresh.map((r) => r.syncedAt - killedAt));
    if (resync.length > 0 && Date.now() - quietSince > 8_000) break;
  }
  const after = target.label === 'sqlite' ? [] : await Promise.all(survivors.map(relayCounters));
  const diff = (k: 'cpu' | 'syncCalls' | 'syncSeconds') =>
    after.reduce((sum, a, i) => sum + a[k] - before[i]![k], 0);
  const resyncCpu = {
    relays: diff('cpu'),
    load: loadCpuMs / 1000,
    syncCalls: diff('syncCalls'),
    syncSeconds: diff('syncSeconds'),
  };
  const resyncExpected = PER_RELAY;
  const retries = resyncSteps.map((r) => r.retries);
  err(
    `${target.label}: reconnect attempts that failed per client p50 ${pct(retries, 50)} / max ${Math.max(...retries, 0)}; why: ${[...failures].map(([w, n]) => `${n}× ${w}`).join('; ') || 'none'}`,
  );
  await target.afterKill();

  err(`${target.label}: escalations — ${FIRINGS} deadlines at ${FIRING_RATE}/s`);
  const firstDue = Date.now() + 30_000 + (FIRINGS / 300) * 1000;
  const escalations = Array.from({ length: FIRINGS }, (_, i) =>
    statResult(`esc-${i}`, new Date(firstDue + Math.floor((i * 1000) / FIRING_RATE)), onUnit(i)),
  );
  for (let i = 0; i < escalations.length; i += 100) await post(escalations.slice(i, i + 100));
  await sleep(Math.max(0, firstDue + (FIRINGS / FIRING_RATE) * 1000 + 15_000 - Date.now()));
  const firingLags: number[] = [];
  const firedBy = new Map<string, number>();
  for (const line of target.logs().split('\n')) {
    if (!line.includes('"escalation fired"') || !line.includes('"taskId":"esc-')) continue;
    const rec = JSON.parse(line) as { lagMs: number; relayId?: string };
    firingLags.push(rec.lagMs);
    firedBy.set(rec.relayId ?? 'relay', (firedBy.get(rec.relayId ?? 'relay') ?? 0) + 1);
  }

  await Promise.all(measured.map((c) => c.stop()));
  for (const c of load) c.send({ type: 'stop' });
  await Promise.all(load.map((c) => new Promise((r) => c.once('exit', r))));
  return { audience, fanout, resync, resyncSteps, killedAt, resyncCpu, resyncExpected, firingLags, firedBy };
}

/**
 * The default chain tells a stat result's bed nurse on arrival (AS13), so with it every deadline of the
 * escalation phase would fire at ingest, in one burst, and nothing at 150/s. The charge-nurse-first
 * chain (the tests' `chargeNurseFirstEnv`) fires each at its acknowledge-by time: the timer lag asked.
 */
const MEASURED_RELAY_ENV = { ...CHAOS_RELAY_ENV, ...chargeNurseFirstEnv() };

async function benchCluster(serverUrl: string): Promise<Results> {
  const db = await testDatabase(serverUrl);
  const cluster = await startCluster({ databaseUrl: db.url, relays: 3, env: MEASURED_RELAY_ENV });
  try {
    return await measure({
      label: 'cluster',
      entry: cluster.url,
      relays: new Map(cluster.relays.map((r) => [r.id, r.url])),
      ingestOn: 'relay-a',
      dataDir: cluster.dataDir,
      issuerBase: cluster.url,
      kill: () => cluster.relay('relay-b').kill(),
      afterKill: async () => {
        await cluster.relay('relay-b').start();
        await cluster.haproxy.waitFor('relay-b', 'UP');
      },
      logs: () => cluster.relays.map((r) => r.output()).join('\n'),
    });
  } finally {
    await cluster.stop();
    await db.drop();
  }
}

async function benchSqlite(): Promise<Results> {
  const dir = tempDir('wardline-bench-sqlite-');
  const port = String(await freePort());
  const env = { ...MEASURED_RELAY_ENV, DATA_DIR: dir.path, PORT: port, STATIC_DIR: join(dir.path, 'none') };
  let relay: ChildRelay = await spawnRelay(env);
  let earlier = '';
  try {
    return await measure({
      label: 'sqlite',
      entry: relay.url,
      relays: new Map([['relay', relay.url]]),
      ingestOn: 'relay',
      dataDir: dir.path,
      issuerBase: relay.url,
      kill: async () => {
        relay.process.kill('SIGKILL');
        await relay.exited;
        earlier += relay.output();
        relay = await spawnRelay(env);
      },
      afterKill: async () => undefined,
      logs: () => earlier + relay.output(),
    });
  } finally {
    relay.process.kill('SIGTERM');
    await relay.exited;
    dir.remove();
  }
}

function table(name: string, cluster: Results | null, sqlite: Results | null): void {
  const row = (label: string, f: (r: Results) => string) =>
    console.log(`| ${label} | ${cluster ? f(cluster) : '—'} | ${sqlite ? f(sqlite) : '—'} |`);
  console.log(`\n### ${name}\n`);
  console.log('| | 3 relays, PostgreSQL, HAProxy | 1 relay, SQLite |');
  console.log('|---|---|---|');
  const others = (r: Results) => [...r.fanout].filter(([id]) => id !== 'relay-a').flatMap(([, v]) => v);
  const same = (r: Results) => r.fanout.get('relay-a') ?? r.fanout.get('relay') ?? [];
  row('audience', (r) =>
    r.audience.shape === 'one-unit'
      ? `one unit (stress): ${r.audience.devices.length} devices see every change`
      : `hospital: ${r.audience.devices.length} devices on ${r.audience.units.length} units, ${BACKLOG} open tasks before they sign in`,
  );
  row(
    `deliveries asked at ${RATE} changes/s (changes × devices that may see each)`,
    (r) => `${Math.round(deliveriesPerSecond(r.audience, RATE)).toLocaleString('en-US')}/s`,
  );
  row(`fan-out at ${RATE}/s, p50 / p99 (clients of B and C that see the task; SQLite: its own)`, (r) => {
    const v = r.fanout.has('relay') ? same(r) : others(r);
    return `${fmt(pct(v, 50))} / ${fmt(pct(v, 99))} (${v.length} deliveries)`;
  });
  row('fan-out, clients of relay A itself, p50 / p99', (r) =>
    r.fanout.has('relay') ? '—' : `${fmt(pct(same(r), 50))} / ${fmt(pct(same(r), 99))}`,
  );
  row(
    'resync after SIGKILL (kill → sync complete), p50 / p99 (clients)',
    (r) => `${fmt(pct(r.resync, 50))} / ${fmt(pct(r.resync, 99))} (${r.resync.length})`,
  );
  const step = (r: Results, f: (s: Resync) => number) => {
    const v = r.resyncSteps.map(f);
    return `${fmt(pct(v, 50))} / ${fmt(pct(v, 99))}`;
  };
  row('… kill → client noticed, p50 / p99', (r) => step(r, (s) => s.lostAt - r.killedAt));
  row('… noticed → reconnected (retry delay, negotiate, token, upgrade), p50 / p99', (r) =>
    step(r, (s) => s.reconnectedAt - s.lostAt),
  );
  row('… reconnected → sync complete (the pages), p50 / p99', (r) =>
    step(r, (s) => s.syncedAt - s.reconnectedAt),
  );
  row('… during the resync: CPU s of surviving relays / of the load processes', (r) =>
    r.fanout.has('relay')
      ? `— / ${r.resyncCpu.load.toFixed(1)}`
      : `${r.resyncCpu.relays.toFixed(1)} / ${r.resyncCpu.load.toFixed(1)}`,
  );
  row('… `sync` pages served by the survivors, mean time each', (r) =>
    r.resyncCpu.syncCalls > 0
      ? `${r.resyncCpu.syncCalls} pages, ${fmt((r.resyncCpu.syncSeconds / r.resyncCpu.syncCalls) * 1000)}`
      : '—',
  );
  row(
    `escalation lag at ${FIRING_RATE}/s, p50 / p99 (fired)`,
    (r) => `${fmt(pct(r.firingLags, 50))} / ${fmt(pct(r.firingLags, 99))} (${r.firingLags.length})`,
  );
  row('fired by', (r) => [...r.firedBy].map(([id, n]) => `${id} ${n}`).join(', '));
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const postgres = await startTestPostgres();
  try {
    if (args.includes('--chaos')) {
      const db = await testDatabase(postgres.url);
      const cluster = await startCluster({ databaseUrl: db.url, relays: 3, env: CHAOS_RELAY_ENV });
      const minutes = opt('minutes', 5);
      const report = await runChaos(cluster, db.url, {
        clients: opt('clients', 300),
        events: opt('events', 10_000),
        actions: opt('actions', 2_000),
        durationMs: minutes * 60_000,
        faults: Array.from({ length: minutes }, (_, m) => [
          { atMs: m * 60_000 + 10_000, relay: `relay-${'abc'[m % 3]}`, fault: 'kill' as const, forMs: 3_000 },
          ...(m === 1 ? [{ atMs: 90_000, relay: 'relay-c', fault: 'freeze' as const, forMs: 20_000 }] : []),
        ]).flat(),
        log: err,
      });
      const seqs = await report.changeSeqs();
      const expected = await report.replay();
      await sleep(30_000);
      const wrong = report.clients.filter((c) => c.mirror.checksum() !== expected.get(c.staffId));
      console.log(
        `chaos: ${report.eventsSent} events, ${report.answers.size} actions, ${report.clients.length} clients, ${report.reconnects} reconnects; seq contiguous: ${seqs.every((s, i) => s === i + 1)}; clients differing from the replay: ${wrong.length}`,
      );
      await report.stop();
      await cluster.stop();
      await db.drop();
      return;
    }
    const cluster = await benchCluster(postgres.url);
    const sqlite = args.includes('--skip-sqlite') ? null : await benchSqlite();
    const load1 = loadavg();
    console.log(`\nnpm run bench:cluster -- ${args.join(' ')} (per relay ${PER_RELAY} connections)`);
    console.log(
      `load average before ${load0.map((l) => l.toFixed(1)).join(' ')}, after ${load1.map((l) => l.toFixed(1)).join(' ')}`,
    );
    table('Several relays', cluster, sqlite);
  } finally {
    await postgres.stop();
  }
}

// The official client can throw a killed relay's close (1006) out of its transport's onclose, past any
// handler the bench can attach: a relay dying under its clients is what this bench measures, so that
// one error is counted and the run goes on; anything else still ends it.
let killedRelayCloses = 0;
process.on('uncaughtException', (error) => {
  if (error instanceof Error && error.message.startsWith('WebSocket closed with status code: 1006')) {
    killedRelayCloses++;
    return;
  }
  console.error(error);
  process.exit(1);
});
process.on('exit', () => {
  if (killedRelayCloses > 0)
    err(`${killedRelayCloses} client closes from killed relays thrown by the client`);
});

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
