/**
 * `npm run bench:fanout`: the relay, a Socket.IO server and a bare `ws` server each fan the same task
 * changes out to the same number of WebSocket clients on loopback, side by side in one run.
 *
 * Processes (each its own, so memory is per process and none holds more than ~10,000 sockets, under
 * the 20,000 open files a process may have here):
 * - bench/fanout/server.ts --kind relay|socketio|ws: ingests change i (stamped with CLOCK_MONOTONIC µs
 *   just before it is applied) and fans it out with a per-recipient `visibleTo` filter;
 * - bench/fanout/load-client.ts: N−3 lean protocol-level connections (raw RFC 6455 on TCP), nine in
 *   ten 4W nurses and one in ten a 5E nurse;
 * - bench/fanout/checker.ts: 3 official clients (@microsoft/signalr, socket.io-client, ws as fits the
 *   server): two 4W nurses and a 5E nurse, each of whom must receive exactly their ward's changes.
 *
 * For each connection count all three servers are up at once, each with its own clients: connect (idle
 * memory per connection is read right after), a warm-up, two paced phases at a fixed delivery rate
 * (latency; 4W changes reach 90 % of the connections, 5E changes 10 %) with the servers' schedules
 * interleaved, then saturation (throughput): 4W changes with a bounded number of deliveries in flight,
 * in short slices the servers take turns at, so the shared machine's noise falls on all three alike.
 * Markdown tables go to stdout, progress to stderr; `--out file.json` keeps the raw results.
 *
 * Usage: npm run bench:fanout [-- --connections 1000,5000,10000 --servers relay,socketio,ws
 *   --paced-rate 1000 --paced-ms 12000 --slice-ms 1500 --rounds 4 --window 30000 --out results.json]
 * Diagnostic: `--relay-data-root /dev/shm` keeps the relay's SQLite on tmpfs, where fsync costs nothing.
 * Before/after: `--base DIR` adds the relay of another tree (`git archive <ref> | tar -x -C DIR`, with
 * node_modules linked) as a fourth server, `relay, base tree`, run side by side like the others.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  nowUs,
  SERVER_KINDS,
  SERVER_LABEL,
  type CheckerReport,
  type CorrectnessReport,
  type CpuSample,
  type FromClient,
  type FromServer,
  type LatencySummary,
  type MemorySample,
  type PhaseResult,
  type ServerKind,
  type PerWard,
  type StaffId,
  type ToClient,
  type ToServer,
  type Ward,
} from './fanout/shared';

// ---- options ------------------------------------------------------------------------------------

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) {
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
}
const list = (name: string, fallback: string): string[] =>
  (args.get(name) ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const num = (name: string, fallback: number): number => Number(args.get(name) ?? fallback);

const CONNECTIONS = list('connections', '1000,5000,10000').map(Number);
const SERVERS = list('servers', SERVER_KINDS.join(',')) as ServerKind[];
/** Another tree whose relay runs beside this one's (kind `relay-base`). */
const BASE = args.get('base');
if (BASE && !SERVERS.includes('relay-base')) SERVERS.splice(1, 0, 'relay-base');
/** Deliveries per second offered in the latency phase (the goal's "1,000 deliveries per second"). */
const PACED_RATE = num('paced-rate', 1000);
const PACED_MS = num('paced-ms', 12_000);
const MIN_PACED_CHANGES = num('min-paced-changes', 3);
/** Saturation runs in slices, servers taking turns, so a noisy second on the shared machine hits all three. */
const SLICE_MS = num('slice-ms', 1500);
const ROUNDS = num('rounds', 4);
/** Deliveries published but not yet received, at most, in the saturation phase. */
const WINDOW = num('window', 30_000);
const WARMUP_CHANGES = num('warmup', 10);
const CALIBRATE_CHANGES = 200;
const CHECKERS = 3;
const OUT = args.get('out');
/** Diagnostic: the folder the relay's data folder is made in (default: the OS temp folder, on disk). */
const RELAY_DATA_ROOT = args.get('relay-data-root');

for (const kind of SERVERS) {
  if (!SERVER_KINDS.includes(kind) && !(kind === 'relay-base' && BASE))
    throw new Error(`unknown server ${kind}`);
}
for (const n of CONNECTIONS) if (!Number.isInteger(n) || n <= CHECKERS) throw new Error(`bad count ${n}`);

// ---- child processes ----------------------------------------------------------------------------

const children = new Set<ChildProcess>();
/** The servers' data folders live in here; removed at exit, since SIGKILLed servers cannot clean up. */
const runDir = mkdtempSync(join(RELAY_DATA_ROOT ?? tmpdir(), 'wardline-fanout-'));

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  rmSync(runDir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

type Message = { t: string } & Record<string, unknown>;

/** A forked child with typed waits for its next message of a given type. */
class Child {
  readonly proc: ChildProcess;
  private readonly queue: Message[] = [];
  private readonly waiters: Array<{ type: string; resolve: (m: Message) => void }> = [];
  private exited: string | null = null;
  private readonly failures = new Set<(error: Error) => void>();
  onMessage?: (m: Message) => void;

  constructor(file: string, argv: string[], execArgv: string[]) {
    this.proc = fork(isAbsolute(file) ? file : join(import.meta.dirname, 'fanout', file), argv, {
      execArgv: ['--import', 'tsx', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(this.proc);
    this.proc.on('message', (raw) => {
      const m = raw as Message;
      if (m.t === 'error') return this.fail(`${file}: ${String(m.message)}`);
      this.onMessage?.(m);
      const i = this.waiters.findIndex((w) => w.type === m.t);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else if (m.t !== 'progress') this.queue.push(m);
    });
    this.proc.on('exit', (code, signal) => {
      children.delete(this.proc);
      this.fail(`${file} exited (${signal ?? code})`);
    });
  }

  private fail(reason: string): void {
    if (this.exited) return;
    this.exited = reason;
    for (const f of this.failures) f(new Error(reason));
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  send(message: ToServer | ToClient | Message): void {
    if (this.proc.connected) this.proc.send(message);
  }

  next<T>(type: string, timeoutMs = 120_000): Promise<T> {
    const queued = this.queue.findIndex((m) => m.t === type);
    if (queued >= 0) return Promise.resolve(this.queue.splice(queued, 1)[0] as T);
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.failures.delete(onFail);
        reject(new Error(`timed out waiting for ${type}`));
      }, timeoutMs);
      const onFail = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      this.failures.add(onFail);
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          this.failures.delete(onFail);
          resolve(m as T);
        },
      });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGKILL');
    await gone;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- one server at one connection count ---------------------------------------------------------

type ServerStats = Extract<FromServer, { t: 'stats' }>;

interface Paced {
  ward: Ward;
  changes: number;
  recipients: number;
  intervalMs: number;
  deliveries: number;
  latency: LatencySummary;
  /** Server time inside publish per change: ingest plus handing every recipient's write to ws. */
  serverMsPerChange: number;
  /** The ingest part of it (validate + apply; the relay's SQLite commit). */
  ingestMsPerChange: number;
  timedOut: boolean;
}

interface Throughput {
  deliveries: number;
  perSecond: number;
  /** Each slice's rate, in the order run: the spread shows how noisy the machine was. */
  sliceRates: number[];
  latency: LatencySummary;
  serverCpuPct: number;
  clientCpuPct: number;
  serverCpuUsPerDelivery: number;
  /** Share of the server's wall time spent ingesting (the relay: validating and committing to SQLite). */
  ingestShare: number;
  changes: number;
  timedOut: boolean;
}

interface CaseResult {
  kind: ServerKind;
  connections: number;
  connected: number;
  failed: number;
  connectErrors: Record<string, number>;
  connectSeconds: number;
  ingestUsPerChange: number;
  memoryBefore: MemorySample;
  memoryIdle: MemorySample;
  memoryAfter: MemorySample;
  idleRssPerConnKB: number;
  idleHeapPerConnKB: number;
  paced: Paced[];
  saturation: Throughput;
  correctness: CorrectnessReport & { behind: number };
  checkers: CheckerReport['clients'];
  warnings: Record<string, number>;
  stillConnected: number;
}

async function devTokens(port: number): Promise<Partial<Record<StaffId, string>>> {
  const tokens: Partial<Record<StaffId, string>> = {};
  for (const staffId of ['nurse-okafor', 'nurse-brightwater', 'nurse-quillon'] as const) {
    const res = await fetch(`http://127.0.0.1:${port}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ staffId }),
    });
    if (!res.ok) throw new Error(`/dev/token ${staffId}: ${res.status}`);
    tokens[staffId] = ((await res.json()) as { accessToken: string }).accessToken;
  }
  return tokens;
}

const kb = (bytes: number): number => bytes / 1024;

/** One server with its load client and official clients, all connected. */
interface Rig {
  kind: ServerKind;
  server: Child;
  checker: Child;
  lean: Child;
  port: number;
  usPerChange: number;
  before: MemorySample;
  idle: MemorySample;
  openCount: number;
  connected: Extract<FromClient, { t: 'connected' }>;
  /** Recipients of one change: the lean connections of that ward plus its official clients. */
  recipients: PerWard;
  published: PerWard;
  log(what: string): void;
}

interface PhaseRun {
  result: PhaseResult;
  startUs: number;
  cpuStart: CpuSample;
  cpuEnd: CpuSample;
}

async function stats(rig: Rig): Promise<ServerStats> {
  rig.server.send({ t: 'stats' });
  return rig.server.next<ServerStats>('stats');
}

async function startPhase(
  rig: Rig,
  name: string,
  keepHistogram = false,
): Promise<{ cpu: CpuSample; at: number }> {
  rig.lean.send({ t: 'phase', name, keepHistogram });
  const { cpu } = await rig.lean.next<Extract<FromClient, { t: 'phase-started' }>>('phase-started');
  return { cpu, at: nowUs() };
}

async function endPhase(
  rig: Rig,
  started: { cpu: CpuSample; at: number },
  ward: Ward,
  changes: number,
  timeoutMs: number,
): Promise<PhaseRun> {
  rig.published[ward] += changes;
  rig.lean.send({ t: 'finish', published: { ...rig.published }, timeoutMs });
  const { result, cpu } = await rig.lean.next<Extract<FromClient, { t: 'phase-result' }>>(
    'phase-result',
    timeoutMs + 30_000,
  );
  return { result, startUs: started.at, cpuStart: started.cpu, cpuEnd: cpu };
}

async function startRig(kind: ServerKind, n: number): Promise<Rig> {
  const log = (what: string): void => console.error(`  [${SERVER_LABEL[kind]} × ${f0(n)}] ${what}`);
  // The base tree's relay is forked from its own files and spoken to as a relay.
  const wire: ServerKind = kind === 'relay-base' ? 'relay' : kind;
  const serverFile = kind === 'relay-base' ? join(BASE!, 'bench/fanout/server.ts') : 'server.ts';
  const serverArgs = ['--kind', wire, '--data-root', runDir];
  const server = new Child(serverFile, serverArgs, ['--expose-gc']);
  const { port } = await server.next<Extract<FromServer, { t: 'ready' }>>('ready', 60_000);
  server.send({ t: 'calibrate', count: CALIBRATE_CHANGES });
  const { usPerChange } = await server.next<Extract<FromServer, { t: 'calibrated' }>>('calibrated');
  server.send({ t: 'memory' });
  const before = await server.next<Extract<FromServer, { t: 'memory' }>>('memory');

  const checker = new Child('checker.ts', [], []);
  checker.send({ t: 'connect', kind: wire, port });
  await checker.next('checker-connected', 60_000);

  const lean = new Child('load-client.ts', [], ['--max-semi-space-size=32']);
  const tokens = wire === 'relay' ? await devTokens(port) : {};
  lean.send({ t: 'connect', kind: wire, port, count: n - CHECKERS, tokens });
  const connected = await lean.next<Extract<FromClient, { t: 'connected' }>>('connected', 300_000);
  log(`connected ${f0(connected.ok + CHECKERS)}/${f0(n)} in ${(connected.ms / 1000).toFixed(1)} s`);
  await sleep(1000);
  server.send({ t: 'memory' });
  const idle = await server.next<Extract<FromServer, { t: 'memory' }>>('memory');
  return {
    kind,
    server,
    checker,
    lean,
    port,
    usPerChange,
    before: before.memory,
    idle: idle.memory,
    openCount: idle.connections,
    connected,
    recipients: { '4W': connected.seeing + 2, '5E': connected.ok - connected.seeing + 1 },
    published: { '4W': 0, '5E': 0 },
    log,
  };
}

/**
 * Paced: every server gets one change each `recipients / rate` seconds, so `rate` deliveries per second
 * on average; the servers' schedules are offset by a third of the interval so their fan-outs take turns.
 */
async function pacedPhase(rigs: Rig[], ward: Ward): Promise<Map<ServerKind, Paced>> {
  const recipients = Math.max(...rigs.map((r) => r.recipients[ward]));
  const intervalMs = (recipients / PACED_RATE) * 1000;
  const changes = Math.max(MIN_PACED_CHANGES, Math.floor(PACED_MS / intervalMs));
  console.error(
    `  paced ${ward}: ${changes} changes × ${f0(recipients)} recipients per server, one every ${f0(intervalMs)} ms`,
  );
  const started = await Promise.all(
    rigs.map(async (rig) => ({ rig, phase: await startPhase(rig, `paced ${ward}`), s0: await stats(rig) })),
  );
  await Promise.all(
    started.map(async ({ rig }, i) => {
      await sleep((i * intervalMs) / rigs.length);
      rig.server.send({ t: 'paced', count: changes, intervalMs, ward });
      await rig.server.next('paced-done', changes * intervalMs + 60_000);
    }),
  );
  const out = new Map<ServerKind, Paced>();
  await Promise.all(
    started.map(async ({ rig, phase, s0 }) => {
      const run = await endPhase(rig, phase, ward, changes, 30_000);
      const s1 = await stats(rig);
      out.set(rig.kind, {
        ward,
        changes,
        recipients: rig.recipients[ward],
        intervalMs,
        deliveries: run.result.deliveries,
        latency: run.result.latency,
        serverMsPerChange: (s1.publishUs - s0.publishUs) / 1000 / Math.max(1, s1.published - s0.published),
        ingestMsPerChange:
          (s1.publishUs - s1.fanoutUs - (s0.publishUs - s0.fanoutUs)) /
          1000 /
          Math.max(1, s1.published - s0.published),
        timedOut: run.result.timedOut,
      });
    }),
  );
  return out;
}

interface Slice {
  deliveries: number;
  seconds: number;
  serverCpuUs: number;
  serverWallUs: number;
  clientCpuUs: number;
  clientWallUs: number;
  ingestUs: number;
  changes: number;
  behind: number;
  latency: LatencySummary;
}

/** One saturation slice: keep WINDOW deliveries of 4W changes in flight for SLICE_MS, then drain. */
async function saturationSlice(rig: Rig, first: boolean): Promise<Slice> {
  const perChange = rig.recipients['4W'];
  const s0 = await stats(rig);
  const started = await startPhase(rig, 'saturation', !first);
  const lean = rig.lean;
  const base = await new Promise<number>((resolve) => {
    lean.onMessage = (m) => {
      if (m.t === 'progress') resolve(m.deliveries as number);
    };
    lean.send({ t: 'progress-every', ms: 5 });
  });
  const sliceStartUs = nowUs();
  let requested = 0;
  let received = 0;
  const until = performance.now() + SLICE_MS;
  await new Promise<void>((resolve) => {
    const topUp = (): void => {
      if (performance.now() >= until) {
        lean.onMessage = undefined;
        lean.send({ t: 'progress-every', ms: 0 });
        resolve();
        return;
      }
      const inFlight = requested * perChange - received;
      if (inFlight < WINDOW) {
        const count = Math.max(1, Math.floor((WINDOW - inFlight) / perChange));
        rig.server.send({ t: 'publish', count, ward: '4W' });
        requested += count;
      }
    };
    lean.onMessage = (m) => {
      if (m.t !== 'progress') return;
      received = (m.deliveries as number) - base;
      topUp();
    };
    topUp();
  });
  const run = await endPhase(rig, started, '4W', requested, 60_000);
  const s1 = await stats(rig);
  return {
    deliveries: run.result.deliveries,
    seconds: (run.result.lastAt - sliceStartUs) / 1e6,
    serverCpuUs: s1.cpu.cpuUs - s0.cpu.cpuUs,
    serverWallUs: s1.cpu.at - s0.cpu.at,
    clientCpuUs: run.cpuEnd.cpuUs - run.cpuStart.cpuUs,
    clientWallUs: run.cpuEnd.at - run.cpuStart.at,
    ingestUs: s1.publishUs - s1.fanoutUs - (s0.publishUs - s0.fanoutUs),
    changes: s1.published - s0.published,
    behind: run.result.behind,
    latency: run.result.latency,
  };
}

async function runCount(n: number, round: number): Promise<CaseResult[]> {
  // Each server goes first at some connection count.
  const order = SERVERS.map((_, i) => SERVERS[(i + round) % SERVERS.length]!);
  const rigs: Rig[] = [];
  try {
    for (const kind of order) rigs.push(await startRig(kind, n));

    // Warm-up (JIT, buffers) for both wards: not reported.
    for (const rig of rigs) {
      for (const ward of ['4W', '5E'] as const) {
        const phase = await startPhase(rig, `warm-up ${ward}`);
        rig.server.send({ t: 'publish', count: WARMUP_CHANGES, ward });
        await endPhase(rig, phase, ward, WARMUP_CHANGES, 30_000);
      }
    }

    const paced4W = await pacedPhase(rigs, '4W');
    const paced5E = await pacedPhase(rigs, '5E');

    const slices = new Map<ServerKind, Slice[]>(rigs.map((r) => [r.kind, []]));
    for (let r = 0; r < ROUNDS; r++) {
      console.error(`  saturation round ${r + 1}/${ROUNDS}`);
      for (const rig of rigs) slices.get(rig.kind)!.push(await saturationSlice(rig, r === 0));
    }

    const results: CaseResult[] = [];
    for (const rig of rigs) {
      rig.checker.send({ t: 'report', published: rig.published });
      const checked = await rig.checker.next<CheckerReport>('checker-report');
      rig.lean.send({ t: 'report' });
      const report = await rig.lean.next<Extract<FromClient, { t: 'report' }>>('report');
      rig.server.send({ t: 'memory' });
      const after = await rig.server.next<Extract<FromServer, { t: 'memory' }>>('memory');
      const final = await stats(rig);
      const own = slices.get(rig.kind)!;
      const sum = (f: (s: Slice) => number): number => own.reduce((a, s) => a + f(s), 0);
      const deliveries = sum((s) => s.deliveries);
      results.push({
        kind: rig.kind,
        connections: n,
        connected: rig.connected.ok + CHECKERS,
        failed: rig.connected.failed,
        connectErrors: rig.connected.errors,
        connectSeconds: rig.connected.ms / 1000,
        ingestUsPerChange: rig.usPerChange,
        memoryBefore: rig.before,
        memoryIdle: rig.idle,
        memoryAfter: after.memory,
        idleRssPerConnKB: kb(rig.idle.rss - rig.before.rss) / rig.openCount,
        idleHeapPerConnKB:
          kb(rig.idle.heapUsed + rig.idle.external - rig.before.heapUsed - rig.before.external) /
          rig.openCount,
        paced: [paced4W.get(rig.kind)!, paced5E.get(rig.kind)!],
        saturation: {
          deliveries,
          perSecond: deliveries / sum((s) => s.seconds),
          sliceRates: own.map((s) => s.deliveries / s.seconds),
          // The last slice's histogram holds every slice's latencies (keepHistogram).
          latency: own[own.length - 1]!.latency,
          serverCpuPct: (sum((s) => s.serverCpuUs) / sum((s) => s.serverWallUs)) * 100,
          clientCpuPct: (sum((s) => s.clientCpuUs) / sum((s) => s.clientWallUs)) * 100,
          serverCpuUsPerDelivery: sum((s) => s.serverCpuUs) / Math.max(1, deliveries),
          ingestShare: sum((s) => s.ingestUs) / sum((s) => s.serverWallUs),
          changes: sum((s) => s.changes),
          timedOut: own.some((s) => s.behind > 0),
        },
        correctness: { ...report.correctness, behind: sum((s) => s.behind) },
        checkers: checked.clients,
        warnings: final.warnings,
        stillConnected: final.connections,
      });
    }
    return results;
  } finally {
    await Promise.all(rigs.flatMap((r) => [r.lean.stop(), r.checker.stop(), r.server.stop()]));
  }
}

// ---- report -------------------------------------------------------------------------------------

const f0 = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function render(results: CaseResult[]): string {
  const find = (kind: ServerKind, n: number): CaseResult | undefined =>
    results.find((r) => r.kind === kind && r.connections === n);
  const pacedOf = (r: CaseResult, ward: Ward): Paced | undefined => r.paced.find((p) => p.ward === ward);
  const out: string[] = [];

  out.push(
    `#### Delivered messages per second (saturation: 4W changes, ≤ ${f0(WINDOW)} deliveries in flight; ` +
      `${ROUNDS} slices of ${f0(SLICE_MS)} ms per server, servers taking turns)\n`,
  );
  out.push(
    table(
      [
        'connections',
        'server',
        'delivered msg/s',
        'slices msg/s',
        'relay ÷ this',
        'server CPU',
        'server CPU µs/delivery',
        'ingest share of server time',
        'client CPU',
        'p50 / p99 ms',
      ],
      results.map((r) => {
        const relay = find('relay', r.connections);
        return [
          f0(r.connections),
          SERVER_LABEL[r.kind],
          f0(r.saturation.perSecond) + (r.saturation.timedOut ? ' (timed out)' : ''),
          r.saturation.sliceRates.map((x) => f0(x / 1000) + 'k').join(', '),
          relay && r.kind !== 'relay' ? `${f2(relay.saturation.perSecond / r.saturation.perSecond)}×` : '',
          `${f0(r.saturation.serverCpuPct)} %`,
          f1(r.saturation.serverCpuUsPerDelivery),
          `${f0(r.saturation.ingestShare * 100)} %`,
          `${f0(r.saturation.clientCpuPct)} %`,
          `${f1(r.saturation.latency.p50)} / ${f1(r.saturation.latency.p99)}`,
        ];
      }),
    ),
  );

  out.push(`\n#### Latency from ingest to receipt at ${f0(PACED_RATE)} deliveries/s (paced)\n`);
  out.push(
    'A 4W change goes to nine connections in ten, a 5E change to one in ten; "server ms/change" is the ' +
      "time inside the server's publish call: ingest (in brackets; the relay's includes its SQLite commit), " +
      'then a write handed to ws for every recipient.\n',
  );
  const pacedRows: string[][] = [];
  for (const r of results) {
    for (const p of r.paced) {
      pacedRows.push([
        f0(r.connections),
        SERVER_LABEL[r.kind],
        `${p.ward}: ${p.changes} × ${f0(p.recipients)}, every ${f0(p.intervalMs)} ms`,
        `${f1(p.serverMsPerChange)} (${f1(p.ingestMsPerChange)})`,
        f1(p.latency.p50),
        f1(p.latency.p90),
        f1(p.latency.p99) + (p.timedOut ? ' (timed out)' : ''),
        f1(p.latency.max),
      ]);
    }
  }
  out.push(
    table(
      [
        'connections',
        'server',
        'changes × recipients',
        'server ms/change (of it ingest)',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
      ],
      pacedRows,
    ),
  );

  out.push('\n#### Connections and server memory\n');
  out.push(
    table(
      [
        'connections',
        'server',
        'open / asked',
        'connect s',
        'idle RSS KB/conn',
        'idle heap+external KB/conn',
        'RSS idle MB',
        'RSS after load MB',
        'open at end',
      ],
      results.map((r) => [
        f0(r.connections),
        SERVER_LABEL[r.kind],
        `${f0(r.connected)} / ${f0(r.connections)}`,
        f1(r.connectSeconds),
        f1(r.idleRssPerConnKB),
        f1(r.idleHeapPerConnKB),
        f0(r.memoryIdle.rss / 2 ** 20),
        f0(r.memoryAfter.rss / 2 ** 20),
        f0(r.stillConnected),
      ]),
    ),
  );

  out.push('\n#### Correctness\n');
  out.push(
    table(
      [
        'connections',
        'server',
        'lean: behind / out of order / other ward',
        'unexpected closes',
        'official clients: received of expected (4W, 4W, 5E)',
        'server warnings',
      ],
      results.map((r) => {
        const ok = r.checkers.every((c) => c.connected && c.wrong === 0 && c.received === c.expected);
        return [
          f0(r.connections),
          SERVER_LABEL[r.kind],
          `${r.correctness.behind} / ${r.correctness.outOfOrder} / ${r.correctness.leaked}`,
          `${r.correctness.unexpectedCloses}${
            Object.keys(r.correctness.closeReasons).length
              ? ` ${JSON.stringify(r.correctness.closeReasons)}`
              : ''
          }`,
          `${ok ? 'ok' : 'FAIL'}: ${r.checkers.map((c) => `${c.received}/${c.expected}`).join(', ')}`,
          Object.keys(r.warnings).length ? JSON.stringify(r.warnings) : 'none',
        ];
      }),
    ),
  );

  out.push('\n#### Goals (relay)\n');
  const verdicts: string[] = [];
  const verdict = (ok: boolean): string => (ok ? 'met' : '**MISSED**');
  for (const n of CONNECTIONS) {
    const relay = find('relay', n);
    if (!relay) continue;
    const sio = find('socketio', n);
    const ws = find('ws', n);
    const parts: string[] = [];
    const held =
      relay.connected === n && relay.stillConnected === n && relay.correctness.unexpectedCloses === 0;
    parts.push(`held ${f0(relay.stillConnected)}/${f0(n)} ${verdict(held)}`);
    const perRound = (other: CaseResult): string =>
      relay.saturation.sliceRates.map((x, i) => f2(x / (other.saturation.sliceRates[i] ?? NaN))).join(', ');
    // Deliveries per server CPU-second, relay ÷ other: what the rates converge to when the server is the
    // bottleneck, and far steadier than the rates while other work shares the machine's two cores.
    const perCpu = (other: CaseResult): string =>
      f2(other.saturation.serverCpuUsPerDelivery / relay.saturation.serverCpuUsPerDelivery);
    if (sio) {
      const ratio = relay.saturation.perSecond / sio.saturation.perSecond;
      parts.push(
        `${f2(ratio)}× Socket.IO (rounds ${perRound(sio)}; per CPU-second ${perCpu(sio)}×) ${verdict(ratio >= 1)}`,
      );
    }
    if (ws) {
      const ratio = relay.saturation.perSecond / ws.saturation.perSecond;
      parts.push(
        `${f2(ratio)}× bare ws (rounds ${perRound(ws)}; per CPU-second ${perCpu(ws)}×) ${verdict(ratio >= 0.7)}`,
      );
    }
    for (const ward of ['4W', '5E'] as const) {
      const p = pacedOf(relay, ward);
      if (p) parts.push(`p99 ${ward} ${f1(p.latency.p99)} ms ${verdict(p.latency.p99 < 100)}`);
    }
    parts.push(`${f1(relay.idleRssPerConnKB)} KB/idle conn ${verdict(relay.idleRssPerConnKB <= 40)}`);
    verdicts.push(`- ${f0(n)}: ${parts.join('; ')}`);
  }
  out.push(verdicts.join('\n'));
  const first = CONNECTIONS[0]!;
  out.push(
    `\nIngest alone, before anyone connects (validate + apply; the relay also commits to SQLite): relay ${f0(
      find('relay', first)?.ingestUsPerChange ?? NaN,
    )} µs per change, Socket.IO server ${f0(find('socketio', first)?.ingestUsPerChange ?? NaN)} µs, bare ws server ${f0(
      find('ws', first)?.ingestUsPerChange ?? NaN,
    )} µs.`,
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  console.error(
    `fan-out: ${CONNECTIONS.join(', ')} connections × ${SERVERS.join(', ')}; paced ${PACED_RATE}/s, saturation ${ROUNDS} × ${SLICE_MS} ms per server`,
  );
  const results: CaseResult[] = [];
  for (const [round, n] of CONNECTIONS.entries()) {
    console.error(`${f0(n)} connections`);
    try {
      results.push(...(await runCount(n, round)));
    } catch (error) {
      console.error(
        `  ${f0(n)} connections FAILED: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await sleep(500);
  }
  results.sort((x, y) => x.connections - y.connections || SERVERS.indexOf(x.kind) - SERVERS.indexOf(y.kind));
  console.log(render(results));
  console.log(
    `\n(node ${process.version}, ${results.length} cases in ${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  if (OUT) writeFileSync(OUT, JSON.stringify({ options: Object.fromEntries(args), results }, null, 2));
  killAll();
}

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
