import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type RelayConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/log';
import { startRelay, type Relay, type RelayParts } from '../../server/src/relay';

export const ROOT = join(import.meta.dirname, '..', '..');

export function tempDir(prefix = 'wardline-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Collects the relay's JSON log lines so tests can assert what was (and was not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestRelay {
  relay: Relay;
  url: string;
  logs: LogCapture;
  dataDir: string;
  stop(): Promise<void>;
}

/** A real relay, in this process, on a free loopback port and a temp data folder. */
export async function startTestRelay(
  env: Record<string, string> = {},
  parts: Partial<RelayParts> = {},
): Promise<TestRelay> {
  const dir = tempDir();
  const loaded = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir.path,
    DEMO_FEED: 'off',
    STATIC_DIR: join(dir.path, 'no-pwa'),
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join(' '));
  const config: RelayConfig = loaded.config;
  const logs = new LogCapture();
  const logger = createLogger({ level: 'debug', destination: logs });
  const relay = await startRelay(config, { logger, ...parts });
  return {
    relay,
    url: relay.url,
    logs,
    dataDir: dir.path,
    async stop() {
      await relay.close();
      dir.remove();
    },
  };
}

export interface ChildRelay {
  process: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/**
 * The relay as its own process (`tsx server/src/main.ts`), for tests that kill it or read its exit.
 * Resolves once it logs that it listens; rejects if it exits first.
 */
export function spawnRelay(env: Record<string, string>): Promise<ChildRelay> {
  const child = spawn(
    process.execPath,
    // tsx as a loader, not its CLI: the CLI runs the relay in a child process, so a SIGKILL would hit
    // the wrapper and leave the real relay running.
    ['--import', 'tsx', join(ROOT, 'server', 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        DEMO_FEED: 'off',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"relay listening"/.exec(out);
      if (match?.[1]) resolve({ process: child, url: match[1], output: () => out, exited });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    void exited.then((code) => reject(new Error(`relay exited (${code}) before listening:\n${out}`)));
  });
}

/** Starts a relay that must refuse to start: its exit code and everything it printed. */
export async function failedStart(
  env: Record<string, string>,
): Promise<{ code: number | string; output: string }> {
  try {
    const child = await spawnRelay(env);
    child.process.kill('SIGKILL');
    throw new Error('the relay started but should have refused');
  } catch (error) {
    const message = (error as Error).message;
    const match = /relay exited \(([^)]+)\) before listening:\n([\s\S]*)$/.exec(message);
    if (!match) throw error;
    return { code: match[1] === undefined ? 'unknown' : Number(match[1]), output: match[2] ?? '' };
  }
}

/** A development-issuer token for one of the demo staff, exactly as the sign-in screen gets it. */
export async function devToken(url: string, staffId: string): Promise<string> {
  const res = await fetch(`${url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId }),
  });
  if (!res.ok) throw new Error(`dev token for ${staffId}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

export async function postEvents(
  url: string,
  token: string,
  body: unknown,
  raw = false,
): Promise<{ status: number; body: { results: Array<{ id: string; status: string; reason?: string }> } }> {
  const res = await fetch(`${url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { results: Array<{ id: string; status: string; reason?: string }> },
  };
}

/**
 * A relay process on a fixed port and data folder that a test stops (SIGTERM) and starts again, as a
 * restart in production would: the pages it served reconnect to the same address.
 */
export class RestartableRelay {
  private current: ChildRelay | null = null;

  constructor(readonly env: Record<string, string>) {}

  async start(): Promise<string> {
    this.current = await spawnRelay(this.env);
    return this.current.url;
  }

  get url(): string {
    if (!this.current) throw new Error('the relay is not running');
    return this.current.url;
  }

  async stop(): Promise<void> {
    const running = this.current;
    if (!running) return;
    this.current = null;
    running.process.kill('SIGTERM');
    await running.exited;
  }
}
