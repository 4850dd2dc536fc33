/**
 * `npm run bench:connect`: a reconnect storm — N clients connecting to a freshly started relay at once,
 * each speaking the official SignalR protocol (negotiate v1 with a bearer token, then the WebSocket
 * with `id=` and `access_token=`, then the JSON handshake), as every device does after a restart.
 *
 * Processes: the relay (bench/fanout/server.ts --kind relay, development mode, data on disk) and one
 * load client of its own (bench/fanout/load-client.ts: raw RFC 6455 on TCP, 200 connects in flight),
 * so neither holds more than N sockets (a process may have at most 20,000 open files here). Reported per
 * round: seconds from the first negotiate to the last handshake answered, and the relay's RSS and
 * heap + external per idle connection (two forced GCs, minus the same before anyone connected).
 *
 * `--base DIR` runs the same storm against the relay of another tree (e.g. `git archive <ref>` unpacked
 * with node_modules linked), alternating rounds with this tree so both see the same machine load.
 *
 * Usage: npm run bench:connect [-- --connections 10000 --rounds 3 --base /tmp/wardline-base]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FromClient, FromServer, MemorySample, StaffId } from './fanout/shared';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) {
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
}
const CONNECTIONS = Number(args.get('connections') ?? 10_000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const BASE = args.get('base');
/** Diagnostic: `--cpu-prof DIR` writes each relay's CPU profile there. */
const CPU_PROF = args.get('cpu-prof');

const runDir = mkdtempSync(join(tmpdir(), 'wardline-storm-'));
const children = new Set<ChildProcess>();
function killAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(runDir, { recursive: true, force: true });
}
process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130));

type Message = { t: string } & Record<string, unknown>;

/** Forks `file` and resolves its next message of a type (rejects if the child dies first). */
function start(file: string, argv: string[], execArgv: string[]) {
  const proc = fork(file, argv, {
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(proc);
  const queue: Message[] = [];
  const waiters: Array<(m: Message) => void> = [];
  let died: Error | undefined;
  const failures: Array<(e: Error) => void> = [];
  proc.on('message', (m: Message) => {
    if (m.t === 'progress') return;
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else queue.push(m);
  });
  proc.on('exit', (code) => {
    children.delete(proc);
    died = new Error(`${file} exited (${code})`);
    for (const fail of failures) fail(died);
  });
  return {
    send: (m: unknown) => proc.send(m as Message),
    async next<T>(type: string): Promise<T> {
      const m =
        queue.shift() ??
        (died
          ? undefined
          : await new Promise<Message>((resolve, reject) => {
              waiters.push(resolve);
              failures.push(reject);
            }));
      if (!m) throw died;
      if (m.t === 'error') throw new Error(String(m.message));
      if (m.t !== type) throw new Error(`expected ${type}, got ${m.t}`);
      return m as T;
    },
    /** Disconnecting lets the child exit on its own (writing a --cpu-prof); killed if it lingers. */
    stop(): Promise<void> {
      if (proc.exitCode !== null) return Promise.resolve();
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.disconnect();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      return gone.then(() => clearTimeout(timer));
    },
  };
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

interface Storm {
  tree: string;
  seconds: number;
  /** The relay's own CPU time during the storm: what the storm costs it, whatever else runs. */
  cpuSeconds: number;
  ok: number;
  failed: number;
  rssPerConnKB: number;
  heapPerConnKB: number;
}

async function storm(tree: string, label: string): Promise<Storm> {
  const server = start(
    join(tree, 'bench/fanout/server.ts'),
    ['--kind', 'relay', '--data-root', runDir],
    ['--expose-gc', ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [])],
  );
  const client = start(join(import.meta.dirname, 'fanout/load-client.ts'), [], ['--max-semi-space-size=32']);
  try {
    const { port } = await server.next<Extract<FromServer, { t: 'ready' }>>('ready');
    server.send({ t: 'memory' });
    const before = (await server.next<Extract<FromServer, { t: 'memory' }>>('memory')).memory;
    const tokens = await devTokens(port);
    server.send({ t: 'stats' });
    const cpuBefore = (await server.next<Extract<FromServer, { t: 'stats' }>>('stats')).cpu;
    client.send({ t: 'connect', kind: 'relay', port, count: CONNECTIONS, tokens });
    const done = await client.next<Extract<FromClient, { t: 'connected' }>>('connected');
    server.send({ t: 'stats' });
    const cpuAfter = (await server.next<Extract<FromServer, { t: 'stats' }>>('stats')).cpu;
    await new Promise((r) => setTimeout(r, 1000));
    server.send({ t: 'memory' });
    const idle = await server.next<Extract<FromServer, { t: 'memory' }>>('memory');
    const per = (f: (m: MemorySample) => number) => (f(idle.memory) - f(before)) / 1024 / idle.connections;
    if (done.failed > 0) console.error(`  ${label}: ${done.failed} failed`, done.errors);
    return {
      tree: label,
      seconds: done.ms / 1000,
      cpuSeconds: (cpuAfter.cpuUs - cpuBefore.cpuUs) / 1e6,
      ok: done.ok,
      failed: done.failed,
      rssPerConnKB: per((m) => m.rss),
      heapPerConnKB: per((m) => m.heapUsed + m.external),
    };
  } finally {
    await Promise.all([client.stop(), server.stop()]);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const trees: Array<[string, string]> = [[join(import.meta.dirname, '..'), 'this tree']];
if (BASE) trees.push([BASE, `base (${BASE})`]);
console.log(
  `Reconnect storm: ${CONNECTIONS.toLocaleString('en-US')} connections, ${ROUNDS} rounds, ` +
    `${new Date().toISOString()}, load average ${load()} at the start\n`,
);
const rows: Storm[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which tree goes first, so a load spike does not always land on the same one.
  const order = round % 2 === 0 ? trees : [...trees].reverse();
  for (const [tree, label] of order) {
    const result = await storm(tree, label);
    console.error(`  round ${round + 1} ${label}: ${result.seconds.toFixed(2)} s (load ${load()})`);
    rows.push(result);
  }
}
console.log(
  '| round | tree | connected | connect s | relay CPU s | idle RSS KB/conn | idle heap+external KB/conn |',
);
console.log('|---|---|---|---|---|---|---|');
rows.forEach((r, i) =>
  console.log(
    `| ${Math.floor(i / trees.length) + 1} | ${r.tree} | ${r.ok}/${CONNECTIONS} | ${r.seconds.toFixed(2)} | ` +
      `${r.cpuSeconds.toFixed(2)} | ` +
      `${r.rssPerConnKB.toFixed(1)} | ${r.heapPerConnKB.toFixed(1)} |`,
  ),
);
for (const [, label] of trees) {
  const own = rows.filter((r) => r.tree === label);
  console.log(
    `| median | ${label} | | **${median(own.map((r) => r.seconds)).toFixed(2)}** | ` +
      `**${median(own.map((r) => r.cpuSeconds)).toFixed(2)}** | ` +
      `${median(own.map((r) => r.rssPerConnKB)).toFixed(1)} | ${median(own.map((r) => r.heapPerConnKB)).toFixed(1)} |`,
  );
}
console.log(`\nLoad average at the end: ${load()}`);
process.exit(0);
