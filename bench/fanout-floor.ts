/**
 * `npm run bench:fanout-floor`: how fast can ANY Node process on this machine put one message on 9,000
 * sockets? The floor under issue 18's fan-out goal (p99 < 100 ms for one change to 9,000 of 10,000).
 *
 * No WebSocket library, no SignalR, no JSON: a bare `net` server writes one prebuilt buffer of the size
 * of the relay's frame (~1 KB) to each of its sockets, and plain TCP clients in processes of their own
 * note when the bytes arrive (CLOCK_MONOTONIC, shared by every process here). Whatever this takes, the
 * relay cannot beat with its sockets on one thread. The same sockets are then split over two and more
 * server processes ("shards", as several relays would hold them), written at the same moment.
 *
 * Usage: npm run bench:fanout-floor [-- --sockets 9000 --shards 1,2 --bytes 1000 --rounds 15]
 * Markdown to stdout, progress to stderr.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) {
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
}
const num = (name: string, fallback: number): number => Number(args.get(name) ?? fallback);

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Each change: one round; the first bytes of each buffer carry its send stamp (µs). */
type ToChild = { t: 'go' } | { t: 'report' };
type FromChild =
  | { t: 'listening'; port: number }
  | { t: 'connected' }
  | { t: 'ready' }
  | { t: 'wrote'; loopMs: number }
  | { t: 'latencies'; ms: number[] };

function send(message: FromChild): void {
  process.send?.(message);
}

/** A shard: accepts `sockets` connections, then on each `go` writes the buffer to all of them. */
function runShard(sockets: number, bytes: number): void {
  const held: Socket[] = [];
  const frame = Buffer.alloc(bytes, 0x61);
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    held.push(socket);
    if (held.length === sockets) send({ t: 'ready' });
  });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
    send({ t: 'listening', port: (server.address() as AddressInfo).port }),
  );
  process.on('message', (message: ToChild) => {
    if (message.t !== 'go') return;
    const t0 = nowUs();
    frame.writeDoubleBE(t0, 0);
    for (const socket of held) socket.write(frame);
    send({ t: 'wrote', loopMs: (nowUs() - t0) / 1000 });
  });
}

/** Load clients: `count` plain TCP connections; the arrival of each message's first 8 bytes is timed. */
function runClients(port: number, count: number, bytes: number): void {
  let latencies: number[] = [];
  let open = 0;
  for (let i = 0; i < count; i++) {
    let pending = 0;
    const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
      if (++open === count) send({ t: 'connected' });
    });
    socket.on('data', (chunk: Buffer) => {
      // A message may arrive in pieces; its stamp is in the piece that starts it.
      let offset = 0;
      while (offset < chunk.length) {
        if (pending === 0 && chunk.length - offset >= 8) {
          latencies.push((nowUs() - chunk.readDoubleBE(offset)) / 1000);
          pending = bytes;
        }
        const take = Math.min(pending, chunk.length - offset);
        pending -= take;
        offset += take;
        if (take === 0) break;
      }
    });
    socket.on('error', () => undefined);
  }
  process.on('message', (message: ToChild) => {
    if (message.t !== 'report') return;
    send({ t: 'latencies', ms: latencies });
    latencies = [];
  });
}

class Child {
  readonly proc: ChildProcess;
  private readonly inbox: FromChild[] = [];
  private waiter: (() => void) | null = null;

  constructor(argv: string[]) {
    this.proc = fork(import.meta.filename, argv, { execArgv: ['--import', 'tsx'] });
    this.proc.on('message', (m: FromChild) => {
      this.inbox.push(m);
      this.waiter?.();
    });
  }

  async next<T extends FromChild['t']>(t: T): Promise<Extract<FromChild, { t: T }>> {
    for (;;) {
      const at = this.inbox.findIndex((m) => m.t === t);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as Extract<FromChild, { t: T }>;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  tell(message: ToChild): void {
    this.proc.send(message);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

interface Row {
  shards: number;
  loopMs: number;
  p50: number;
  p99: number;
  p99s: number[];
}

/** One configuration: `shards` server processes share `sockets`; two client processes hold them. */
async function measure(sockets: number, shards: number, bytes: number, rounds: number): Promise<Row> {
  const children: Child[] = [];
  const servers: Child[] = [];
  const clients: Child[] = [];
  try {
    for (let s = 0; s < shards; s++) {
      const server = new Child([
        '--role',
        'shard',
        '--sockets',
        String(sockets / shards),
        '--bytes',
        String(bytes),
      ]);
      children.push(server);
      servers.push(server);
      const { port } = await server.next('listening');
      // Two client processes in all, whatever the shard count, so the receiving side is the same.
      const perShard = Math.max(1, 2 / shards);
      for (let c = 0; c < perShard; c++) {
        const count = sockets / shards / perShard;
        const client = new Child([
          '--role',
          'clients',
          '--port',
          String(port),
          '--count',
          String(count),
          '--bytes',
          String(bytes),
        ]);
        children.push(client);
        clients.push(client);
        await client.next('connected');
      }
      await server.next('ready');
    }
    const loops: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await sleep(300);
      for (const server of servers) server.tell({ t: 'go' });
      const wrote = await Promise.all(servers.map((server) => server.next('wrote')));
      await sleep(400);
      for (const client of clients) client.tell({ t: 'report' });
      const reports = await Promise.all(clients.map((client) => client.next('latencies')));
      const all = reports.flatMap((r) => r.ms).sort((a, b) => a - b);
      if (all.length !== sockets) throw new Error(`round ${round}: ${all.length} of ${sockets} arrived`);
      if (round === 0) continue; // JIT and first-write warm-up
      loops.push(Math.max(...wrote.map((w) => w.loopMs)));
      p50s.push(percentile(all, 0.5));
      p99s.push(percentile(all, 0.99));
    }
    return { shards, loopMs: median(loops), p50: median(p50s), p99: median(p99s), p99s };
  } finally {
    for (const child of children) child.proc.kill();
  }
}

async function main(): Promise<void> {
  const role = args.get('role');
  const bytes = num('bytes', 1000);
  if (role === 'shard') return runShard(num('sockets', 0), bytes);
  if (role === 'clients') return runClients(num('port', 0), num('count', 0), bytes);

  const sockets = num('sockets', 9000);
  const rounds = num('rounds', 15);
  const shardCounts = (args.get('shards') ?? '1,2').split(',').map(Number);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.error(`fanout floor: ${sockets} sockets, ${bytes} B, ${rounds} rounds, load ${load}`);
  const rows: Row[] = [];
  for (const shards of shardCounts) {
    rows.push(await measure(sockets, shards, bytes, rounds));
    console.error(`  ${shards} shard(s) done`);
  }
  console.log(
    `| sockets | server processes | write loop ms (median) | p50 ms | p99 ms (median of ${rounds - 1}) | p99 per round |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const perRound = r.p99s.map((x) => x.toFixed(0)).join(' ');
    console.log(
      `| ${sockets} | ${r.shards} | ${r.loopMs.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${perRound} |`,
    );
  }
  console.log(
    `\n(${cpus().length} cores, node ${process.version}, load average at start ${load}; two client processes in every row)`,
  );
}

void main();
