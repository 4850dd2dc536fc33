/**
 * A throwaway PostgreSQL for tests (docs/STORE.md "Testing"): Debian's server binaries, a cluster in a
 * temp folder on a free loopback port, run as the `postgres` user when we are root (the server refuses
 * root), stopped and removed afterwards. `WARDLINE_TEST_DATABASE_URL` points the suite at an existing
 * server instead. Each test file takes its own database (`testDatabase`), so files run in parallel.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const PG_ROOT = '/usr/lib/postgresql';
/** TCP connections need this password (scram-sha-256), so a wrong one is refused as in production. */
export const TEST_PASSWORD = 'wardline-test-password';

export interface TestPostgres {
  /** A superuser URL to the `postgres` database of the server. */
  url: string;
  stop(): Promise<void>;
  /** Stops the server as a crash would (`-m immediate`) and starts it again on the same port. */
  restart?(downMs: number): Promise<void>;
}

/** The newest installed server's bin folder, or null (scripts/test.mjs installs Debian's `postgresql`). */
export function postgresBinDir(): string | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : null;
}

function ownerOf(path: string): [number, number] {
  const out = execFileSync('stat', ['-c', '%u %g', path], { encoding: 'utf8' }).trim().split(' ');
  return [Number(out[0]), Number(out[1])];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server, or hands back the one WARDLINE_TEST_DATABASE_URL names (then `stop` does nothing). */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.WARDLINE_TEST_DATABASE_URL;
  if (external) return { url: external, stop: async () => undefined };
  const bin = postgresBinDir();
  if (!bin)
    throw new Error(
      "PostgreSQL tests need Debian's postgresql package (npm test installs it as root): apt-get install -y postgresql, or set WARDLINE_TEST_DATABASE_URL.",
    );
  const root = mkdtempSync(join(tmpdir(), 'wardline-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: root });
    if (result.status !== 0)
      throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, `${TEST_PASSWORD}\n`, { mode: 0o600 });
  if (asRoot) chownSync(pwfile, ...ownerOf(root));
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
    '-E',
    'UTF8',
    '--no-instructions',
  ]);
  const port = await freePort();
  // fsync and synchronous_commit stay on: the crash tests are about durability.
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=32MB`;
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:${port}/postgres`,
    async restart(downMs: number) {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      run('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start']);
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the server at `serverUrl`, for one test file. */
export async function testDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `wardline_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
