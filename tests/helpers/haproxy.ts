/**
 * A real HAProxy (Debian's `haproxy`) in front of several relays, as a hospital would run one
 * (docs/CLUSTER.md). The configuration is written to a temp folder; HAProxy runs in the foreground as
 * a child process on a free loopback port and is stopped with SIGTERM.
 *
 * Affinity (docs/CLUSTER.md C4): negotiate goes to any relay that is up; every later request of a
 * SignalR connection carries its connection token in `id=`, and each relay puts its RELAY_ID in front
 * of the tokens it hands out (`<relay id>~<secret>`), so one `use-server` rule per relay sends the
 * SSE stream, the long polls, the sends and the WebSocket upgrade to the relay that holds the
 * connection. No cookie: the official client in Node keeps none for SSE, and the token is there anyway.
 * When that relay is down HAProxy ignores the rule, another relay answers 404 for a token it never
 * issued, and the client reconnects — to a relay that is up.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './relay';

export const HAPROXY_BIN = '/usr/sbin/haproxy';

export interface Backend {
  /** The relay's RELAY_ID: the HAProxy server name and the connection-token prefix it routes on. */
  id: string;
  port: number;
}

export interface HaproxyOptions {
  /** Port to listen on (127.0.0.1); a free one when absent. */
  port?: number;
  /** Health check every this many ms (`inter`); a relay is down after two failures, up after two passes. */
  checkIntervalMs?: number;
}

export interface ServerState {
  id: string;
  /** HAProxy's own words: UP, DOWN, "UP 1/2", "DOWN 1/2", MAINT... */
  status: string;
}

export interface Haproxy {
  /** The address clients use, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** HAProxy's own status page (which relays are up), on a second loopback port. */
  statsUrl: string;
  /** The configuration as written, for a failing test's message. */
  config: string;
  /** What HAProxy thinks of each relay now (from its stats page on a second loopback port). */
  servers(): Promise<ServerState[]>;
  /** Resolves once HAProxy sees `id` as `status` ('UP' or 'DOWN'). */
  waitFor(id: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function haproxyInstalled(): boolean {
  return existsSync(HAPROXY_BIN);
}

/** The configuration for `backends` behind 127.0.0.1:`port`, with the stats page on `statsPort`. */
export function haproxyConfig(
  backends: readonly Backend[],
  port: number,
  statsPort: number,
  checkIntervalMs = 1_000,
): string {
  const idOf = (b: Backend) => {
    if (!/^[A-Za-z0-9._-]+$/.test(b.id)) throw new Error(`"${b.id}" cannot be an HAProxy server name`);
    return b.id;
  };
  return [
    'global',
    // Each client connection is two sockets (client and relay side); well under the 20,000 files we may open.
    '  maxconn 8000',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    // Above the relay's 90 s long-poll hold and its 15 s keep-alive pings on SSE.
    '  timeout client 120s',
    '  timeout server 120s',
    // An upgraded WebSocket: the hub pings every 15 s, so an hour of silence is a dead client.
    '  timeout tunnel 1h',
    '  timeout http-request 10s',
    '  timeout queue 5s',
    '  timeout check 2s',
    // A relay that refuses the connection (killed): try another for requests that may go anywhere.
    '  retries 2',
    '  option redispatch 1',
    '',
    'frontend wardline',
    `  bind 127.0.0.1:${port}`,
    '  default_backend relays',
    '',
    'frontend stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '  stats refresh 1s',
    '',
    'backend relays',
    '  balance roundrobin',
    // C7: /readyz says `"store":"open"` while the relay can serve people; draining, a lost database or
    // a relay still starting say otherwise. Keyed on the body, not the status: /readyz is also 503 when
    // Service Bus is away, and an inbound outage must not take the worklist away from every phone.
    '  option httpchk',
    '  http-check send meth GET uri /readyz',
    '  http-check expect rstring store.:.open',
    // A refused or reset connection marks the relay down at once, before the next health check.
    `  default-server inter ${checkIntervalMs} fastinter ${Math.max(100, Math.floor(checkIntervalMs / 2))} downinter ${checkIntervalMs} fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down`,
    // C4: a connection's requests go where its token was issued (the relay id before the `~`).
    ...backends.map((b) => `  use-server ${idOf(b)} if { urlp(id) -m beg ${idOf(b)}~ }`),
    ...backends.map((b) => `  server ${idOf(b)} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

/** Starts HAProxy in front of `backends` (which may not be listening yet: they show as DOWN until they do). */
export async function startHaproxy(
  backends: readonly Backend[],
  options: HaproxyOptions = {},
): Promise<Haproxy> {
  if (!haproxyInstalled())
    throw new Error("The cluster tests need Debian's haproxy (apt-get install -y haproxy).");
  const dir = tempDir('wardline-haproxy-');
  const port = options.port ?? (await freePort());
  const statsPort = await freePort();
  const config = haproxyConfig(backends, port, statsPort, options.checkIntervalMs);
  const file = join(dir.path, 'haproxy.cfg');
  writeFileSync(file, config);
  const check = spawnSync(HAPROXY_BIN, ['-c', '-q', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) {
    dir.remove();
    throw new Error(`haproxy refused its configuration:\n${check.stderr}${check.stdout}\n${config}`);
  }
  // -db: foreground, no daemon, so the child is HAProxy itself and SIGTERM stops it.
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const statsUrl = `http://127.0.0.1:${statsPort}/stats`;

  async function servers(): Promise<ServerState[]> {
    const res = await fetch(`${statsUrl};csv`);
    const lines = (await res.text()).split('\n');
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const px = header.indexOf('pxname');
    const sv = header.indexOf('svname');
    const st = header.indexOf('status');
    return lines
      .slice(1)
      .map((l) => l.split(','))
      .filter((f) => f[px] === 'relays' && f[sv] !== 'BACKEND' && f[sv] !== 'FRONTEND' && f[sv])
      .map((f) => ({ id: f[sv]!, status: f[st] ?? '' }));
  }

  // Ready once the stats page answers (HAProxy has bound both ports).
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      dir.remove();
      throw new Error(`haproxy exited at start:\n${out}`);
    }
    try {
      await servers();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`haproxy did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    statsUrl,
    config,
    servers,
    async waitFor(id, status, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const state = (await servers()).find((s) => s.id === id);
        if (state?.status === status) return;
        if (Date.now() > until)
          throw new Error(`haproxy still sees ${id} as ${state?.status ?? 'unknown'}, not ${status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      dir.remove();
    },
  };
}
