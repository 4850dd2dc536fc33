/**
 * Several relays on one PostgreSQL behind a real HAProxy (docs/CLUSTER.md), for tests, the benchmark
 * and `npm run cluster`. Each relay is its own process (`tsx server/src/main.ts`) so a test can
 * SIGKILL it, freeze it with SIGSTOP, and start it again on the same port; they share DATABASE_URL and
 * one data folder (the development signing key and the VAPID keys: C3) and name themselves with
 * RELAY_ID. PUBLIC_ORIGIN is HAProxy's address: the one issuer of development tokens (C2).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startHaproxy, type Haproxy } from './haproxy';
import { spawnRelay, tempDir, type ChildRelay } from './relay';

export interface ClusterOptions {
  /** A database URL the relays share (a fresh test database, or the one `npm run cluster` made). */
  databaseUrl: string;
  /** How many relays; ids are `relay-a`, `relay-b`, … */
  relays?: number;
  /** Extra environment for every relay (e.g. DEMO_FEED, LOG_LEVEL). */
  env?: Record<string, string>;
  /** Extra environment for one relay, by index. */
  envOf?: (index: number) => Record<string, string>;
  /** Health-check interval of HAProxy (ms). */
  checkIntervalMs?: number;
  /** HAProxy's port; a free one when absent. */
  port?: number;
  /** A data folder to share; a temp one (removed at stop) when absent. */
  dataDir?: string;
}

export interface ClusterRelay {
  readonly id: string;
  readonly port: number;
  /** The relay's own address, bypassing HAProxy (e.g. `http://127.0.0.1:40123`). */
  readonly url: string;
  /** True while a process is running (frozen counts as running). */
  readonly running: boolean;
  readonly frozen: boolean;
  readonly process: ChildProcess | null;
  /** Everything the current process printed (its JSON log lines). */
  output(): string;
  /** SIGKILL: no goodbye to clients, no drain. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: the process holds its sockets and rows but does nothing, as a stalled VM would. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** SIGTERM and wait for the graceful exit. */
  stop(): Promise<void>;
  /** A new process on the same port and id. */
  start(): Promise<void>;
}

export interface Cluster {
  /** HAProxy's address: what clients and the PWA use. */
  url: string;
  haproxy: Haproxy;
  relays: ClusterRelay[];
  relay(id: string): ClusterRelay;
  dataDir: string;
  stop(): Promise<void>;
}

export const relayIds = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `relay-${String.fromCharCode(97 + i)}`);

class ManagedRelay implements ClusterRelay {
  private child: ChildRelay | null = null;
  private everOutput = '';
  frozen = false;

  constructor(
    readonly id: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get running(): boolean {
    return this.child !== null;
  }
  get process(): ChildProcess | null {
    return this.child?.process ?? null;
  }
  output(): string {
    return this.everOutput + (this.child?.output() ?? '');
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.id} is already running`);
    this.child = await spawnRelay({ ...this.env, RELAY_ID: this.id, PORT: String(this.port) });
    const started = this.child;
    // A relay that dies by itself (not through kill/stop) is forgotten, so `running` tells the truth.
    void started.exited.then(() => {
      if (this.child === started) this.forget();
    });
  }

  private forget(): void {
    if (this.child) this.everOutput += this.child.output();
    this.child = null;
    this.frozen = false;
  }

  async kill(): Promise<void> {
    const running = this.child;
    if (!running) return;
    running.process.kill('SIGKILL');
    await running.exited;
    if (this.child === running) this.forget();
  }

  freeze(): void {
    if (!this.child) throw new Error(`${this.id} is not running`);
    this.child.process.kill('SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (!this.child) return;
    this.child.process.kill('SIGCONT');
    this.frozen = false;
  }

  async stop(): Promise<void> {
    const running = this.child;
    if (!running) return;
    if (this.frozen) this.thaw();
    running.process.kill('SIGTERM');
    const killer = setTimeout(() => running.process.kill('SIGKILL'), 20_000);
    await running.exited;
    clearTimeout(killer);
    if (this.child === running) this.forget();
  }
}

/**
 * Starts `relays` relays (the first alone, so it creates the schema and the shared keys; then the
 * rest together) and HAProxy in front of them; resolves once HAProxy sees every relay UP.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const n = options.relays ?? 3;
  const ids = relayIds(n);
  const ownData = options.dataDir ? null : tempDir('wardline-cluster-');
  const dataDir = options.dataDir ?? ownData!.path;
  const ports = await Promise.all(ids.map(() => freePort()));
  const port = options.port ?? (await freePort());
  const publicOrigin = `http://127.0.0.1:${port}`;
  const relays = ids.map(
    (id, i) =>
      new ManagedRelay(id, ports[i]!, {
        DATABASE_URL: options.databaseUrl,
        DATA_DIR: dataDir,
        PUBLIC_ORIGIN: publicOrigin,
        STATIC_DIR: `${dataDir}/no-pwa`,
        ...options.env,
        ...options.envOf?.(i),
      }),
  );
  const haproxy = await startHaproxy(
    relays.map((r) => ({ id: r.id, port: r.port })),
    { port, checkIntervalMs: options.checkIntervalMs ?? 500 },
  );
  const stopAll = async () => {
    await Promise.all(relays.map((r) => r.stop()));
    // CLUSTER_LOG_DIR keeps every relay's log lines (all its lives) for a failing run's post-mortem.
    const logDir = process.env.CLUSTER_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      for (const r of relays) writeFileSync(join(logDir, `${r.id}.log`), r.output());
    }
    await haproxy.stop();
    ownData?.remove();
  };
  try {
    await relays[0]!.start();
    await Promise.all(relays.slice(1).map((r) => r.start()));
    await Promise.all(relays.map((r) => haproxy.waitFor(r.id, 'UP')));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    url: haproxy.url,
    haproxy,
    relays,
    relay(id) {
      const found = relays.find((r) => r.id === id);
      if (!found) throw new Error(`no relay ${id}`);
      return found;
    },
    dataDir,
    stop: stopAll,
  };
}
