/**
 * One fan-out server in a process of its own, so its memory per connection can be read from its own
 * `process.memoryUsage()`: `--kind relay` (the real relay, its worklist hub and store), `--kind socketio`
 * or `--kind ws` (the baselines). The driver (bench/fanout.ts) forks it and steers it over IPC.
 *
 * Every kind does the same per-change work in front of the fan-out — the inbound CloudEvent is validated
 * (`parseInboundEvent`) and applied (`applyEvent`, next escalation, seq) — and the same per-recipient
 * rule behind it (docs/HUB.md H4): `taskChanged` to each connection whose principal `visibleTo` the new
 * state, `taskRemoved` to those who saw the previous state and no longer do. The relay additionally
 * writes each change durably to SQLite (WAL, synchronous=FULL), as it does in production.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Server as SocketIOServer, type Socket as SocketIOSocket } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  applyEvent,
  DEFAULT_POLICIES,
  parseInboundEvent,
  visibleTo,
  type Principal,
  type Task,
} from '../../src/domain';
import { loadConfig } from '../../server/src/config';
import { withNextEscalation } from '../../server/src/escalation/schedule';
import { ingestOne } from '../../server/src/ingest/ingest';
import { createLogger } from '../../server/src/log';
import { startRelay } from '../../server/src/relay';
import {
  benchEvent,
  cpuSample,
  demoPrincipal,
  exitWithParent,
  memorySample,
  nowUs,
  stamp,
  tell,
  type FromServer,
  type ServerKind,
  type ToServer,
  type Ward,
} from './shared';

interface FanoutServer {
  port: number;
  connections(): number;
  /** Ingests change `index` (a task of `ward`) and fans it out; false if the change was not applied. */
  publish(index: number, ward: Ward): boolean;
}

/** Time spent fanning out (after ingest), µs: publish time minus this is the ingest's share. */
let fanoutUs = 0;
/** The relay's publish answers before its store does: the wall time until its fan-out ended, µs. */
let asyncPublishUs = 0;

/** Counts the server's own warnings (slow consumers, rejected events…) by message, for the report. */
const warnings: Record<string, number> = {};
function warn(what: string): void {
  warnings[what] = (warnings[what] ?? 0) + 1;
}

/** `--data-root DIR`: where the relay's data folder is made (the driver's run folder, which it removes). */
const dataRootAt = process.argv.indexOf('--data-root');
const dataDir = mkdtempSync(
  join(dataRootAt > 0 ? process.argv[dataRootAt + 1]! : tmpdir(), 'wardline-fanout-'),
);
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

async function startRelayServer(): Promise<FanoutServer> {
  const loaded = loadConfig({
    WARDLINE_MODE: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    STATIC_DIR: dataDir,
    DEMO_FEED: 'off',
    // Thousands of load connections share three demo staff: lift the per-person caps and rate
    // (docs/SECURITY.md F4, F5), which exist for real people, not for this harness.
    HUB_MAX_CONNECTIONS_PER_PERSON: '1000000',
    HUB_MAX_OPENING_PER_PERSON: '1000000',
    HUB_PERSON_CALLS_PER_SECOND: '1000000',
    HUB_PERSON_CALL_BURST: '1000000',
  });
  if (!loaded.ok) throw new Error(loaded.problems.join(' '));
  const logger = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line) continue;
          try {
            warn(String((JSON.parse(line) as { msg?: unknown }).msg));
          } catch {
            warn('unparsable log line');
          }
        }
        done();
      },
    }),
  });
  const relay = await startRelay(loaded.config, { logger });
  // Instrumentation only: the hub's fan-out calls hub.sendToConnections with the audience it looked
  // up (worklist-hub.ts fanOut; sendWhere before it had an index); timing both splits each change's
  // time into ingest (validate + SQLite commit) and fan-out. The audience lookup counts as ingest.
  const sendWhere = relay.hub.sendWhere.bind(relay.hub);
  relay.hub.sendWhere = (...args) => {
    const t0 = nowUs();
    const sent = sendWhere(...args);
    fanoutUs += nowUs() - t0;
    return sent;
  };
  const sendToConnections = relay.hub.sendToConnections.bind(relay.hub);
  relay.hub.sendToConnections = (...args) => {
    const t0 = nowUs();
    const sent = sendToConnections(...args);
    fanoutUs += nowUs() - t0;
    return sent;
  };
  return {
    port: (relay.server.address() as AddressInfo).port,
    connections: () => relay.hub.stats().connections,
    publish(index, ward) {
      const event = benchEvent(index, ward);
      stamp(event, index);
      // The store answers asynchronously now; bench events are always new and valid, so a publish is
      // counted when handed over and a failure is loud instead of silently uncounted.
      // Its publish time runs until the commit is fanned out (onCommitted runs before ingestOne returns).
      const t0 = nowUs();
      void ingestOne(relay.store, event, logger).then((result) => {
        if (result.status !== 'applied') throw new Error(`bench event ${index} was ${result.status}`);
        asyncPublishUs += nowUs() - t0;
      });
      return true;
    },
  };
}

/** The baselines' stand-in for the store: the same validation and domain rules, in memory. */
class MemoryStore {
  private readonly tasks = new Map<string, Task>();
  private seq = 0;

  apply(index: number, ward: Ward): { task: Task; previous: Task | null } | null {
    const event = benchEvent(index, ward);
    stamp(event, index);
    const parsed = parseInboundEvent(event);
    if (!parsed.ok) {
      warn(`rejected: ${parsed.reason}`);
      return null;
    }
    const current = this.tasks.get(parsed.event.data.taskId) ?? null;
    const now = new Date().toISOString();
    const outcome = applyEvent(current, parsed.event, now);
    if (outcome.status !== 'applied') {
      warn(`not applied: ${outcome.status}`);
      return null;
    }
    const task: Task = {
      ...withNextEscalation(outcome.task, DEFAULT_POLICIES.policies, now),
      seq: ++this.seq,
    };
    this.tasks.set(task.id, task);
    return { task, previous: current };
  }
}

function staffOf(req: IncomingMessage | undefined): Principal | null {
  const url = new URL(req?.url ?? '/', 'http://bench.invalid');
  return demoPrincipal(url.searchParams.get('staff') ?? '');
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve);
  });
  return (server.address() as AddressInfo).port;
}

async function startSocketIOServer(): Promise<FanoutServer> {
  const http = createServer();
  const io = new SocketIOServer(http, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
  });
  const store = new MemoryStore();
  const principals = new WeakMap<SocketIOSocket, Principal>();
  io.use((socket, next) => {
    const principal = demoPrincipal(String(socket.handshake.query.staff ?? ''));
    if (!principal) return next(new Error('unknown staff'));
    principals.set(socket, principal);
    next();
  });
  const sockets = io.of('/').sockets;
  const port = await listen(http);
  return {
    port,
    connections: () => sockets.size,
    publish(index, ward) {
      const change = store.apply(index, ward);
      if (!change) return false;
      const t0 = nowUs();
      const { task, previous } = change;
      // Per-recipient visibleTo, then Socket.IO's own broadcast (encoded once, one prebuilt frame).
      const hidden: string[] = [];
      for (const [id, socket] of sockets) {
        if (!visibleTo(task, principals.get(socket)!)) hidden.push(id);
      }
      io.except(hidden).emit('taskChanged', task);
      if (previous) {
        const lost: string[] = [];
        for (const [id, socket] of sockets) {
          const p = principals.get(socket)!;
          if (!visibleTo(task, p) && visibleTo(previous, p)) lost.push(id);
        }
        if (lost.length > 0) io.to(lost).emit('taskRemoved', task.id, task.seq);
      }
      fanoutUs += nowUs() - t0;
      return true;
    },
  };
}

async function startWsServer(): Promise<FanoutServer> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const store = new MemoryStore();
  const principals = new Map<WebSocket, Principal>();
  wss.on('connection', (ws, req) => {
    const principal = staffOf(req);
    if (!principal) return ws.close(1008, 'unknown staff');
    principals.set(ws, principal);
    ws.on('close', () => principals.delete(ws));
    ws.on('error', () => undefined);
  });
  const port = await listen(http);
  return {
    port,
    connections: () => principals.size,
    publish(index, ward) {
      const change = store.apply(index, ward);
      if (!change) return false;
      const t0 = nowUs();
      const { task, previous } = change;
      // Serialized once; one ws.send per recipient that may see it.
      const bytes = Buffer.from(JSON.stringify(['taskChanged', task]));
      let removal: Buffer | null = null;
      for (const [ws, principal] of principals) {
        if (visibleTo(task, principal)) ws.send(bytes, { binary: false });
        else if (previous && visibleTo(previous, principal)) {
          removal ??= Buffer.from(JSON.stringify(['taskRemoved', task.id, task.seq]));
          ws.send(removal, { binary: false });
        }
      }
      fanoutUs += nowUs() - t0;
      return true;
    },
  };
}

async function main(): Promise<void> {
  const kind = process.argv[process.argv.indexOf('--kind') + 1] as ServerKind;
  const server =
    kind === 'relay'
      ? await startRelayServer()
      : kind === 'socketio'
        ? await startSocketIOServer()
        : kind === 'ws'
          ? await startWsServer()
          : null;
  if (!server) throw new Error(`unknown --kind ${kind}`);

  let next = 0;
  let published = 0;
  let publishUs = 0;
  function publishOne(ward: Ward): void {
    const t0 = nowUs();
    if (server!.publish(next++, ward)) published++;
    publishUs += nowUs() - t0;
  }
  /** One change per macrotask: no two changes share a tick, so no server batches them into one frame. */
  function publishMany(count: number, ward: Ward): void {
    let left = count;
    const step = (): void => {
      if (left-- <= 0) return;
      publishOne(ward);
      setImmediate(step);
    };
    step();
  }
  const gc = (globalThis as { gc?: () => void }).gc;

  exitWithParent();
  process.on('message', (raw) => {
    const message = raw as ToServer;
    const reply = (m: FromServer): void => tell(m);
    switch (message.t) {
      case 'memory':
        gc?.();
        gc?.();
        reply({ t: 'memory', memory: memorySample(), connections: server.connections() });
        return;
      case 'calibrate': {
        // Ingest cost alone (no one connected yet), and JIT warm-up of the publish path.
        const t0 = nowUs();
        for (let i = 0; i < message.count; i++) server.publish(next++, i % 2 ? '5E' : '4W');
        reply({ t: 'calibrated', usPerChange: (nowUs() - t0) / message.count });
        return;
      }
      case 'publish':
        publishMany(message.count, message.ward);
        return;
      case 'paced': {
        // Absolute schedule: a late change does not push the later ones back.
        const start = performance.now();
        let sent = 0;
        const tick = (): void => {
          publishOne(message.ward);
          sent++;
          if (sent >= message.count) return reply({ t: 'paced-done', published: sent });
          const due = start + sent * message.intervalMs;
          setTimeout(tick, Math.max(0, due - performance.now()));
        };
        tick();
        return;
      }
      case 'stats':
        reply({
          t: 'stats',
          published,
          connections: server.connections(),
          cpu: cpuSample(),
          publishUs: publishUs + asyncPublishUs,
          fanoutUs,
          warnings,
        });
        return;
    }
  });
  tell({ t: 'ready', port: server.port, pid: process.pid } satisfies FromServer);
}

main().catch((error: unknown) => {
  tell({ t: 'error', message: error instanceof Error ? error.message : String(error) });
  console.error(error);
  process.exit(1);
});
