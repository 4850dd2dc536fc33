#!/usr/bin/env node
/**
 * `npm test`: the whole suite, as CI runs it. Installs what the browser tests need (Debian's chromium;
 * no test tool downloads a browser of its own) and what the store tests need (Debian's postgresql
 * server binaries; the tests start their own throwaway server), then type-checks, lints, checks
 * formatting, and runs every vitest project. Ends with one plain line: "N passed, N failed".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

function step(title, command, args) {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✖ ${title} failed`);
    process.exit(result.status ?? 1);
  }
}

function hasE2eTests() {
  const dir = join(root, 'tests', 'e2e');
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.test.ts'));
}

function ensureChromium() {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  if (found.status === 0) return;
  if (process.getuid?.() !== 0) {
    console.error("Browser tests need Debian's chromium: run `sudo apt-get install -y chromium`.");
    process.exit(1);
  }
  console.log('▶ installing Debian chromium for the browser tests');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * The integration tests start a throwaway PostgreSQL from Debian's server binaries
 * (tests/helpers/postgres.ts); WARDLINE_TEST_DATABASE_URL points them at an existing server instead.
 */
function ensurePostgres() {
  if (process.env.WARDLINE_TEST_DATABASE_URL) return;
  const pgRoot = '/usr/lib/postgresql';
  if (existsSync(pgRoot) && readdirSync(pgRoot).some((v) => existsSync(join(pgRoot, v, 'bin', 'pg_ctl'))))
    return;
  if (process.getuid?.() !== 0) {
    console.error(
      "Store tests need Debian's postgresql: run `sudo apt-get install -y postgresql`, or set WARDLINE_TEST_DATABASE_URL.",
    );
    process.exit(1);
  }
  console.log('▶ installing Debian postgresql for the store tests');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** The cluster tests put Debian's HAProxy in front of several relays (tests/helpers/haproxy.ts). */
function ensureHaproxy() {
  if (existsSync('/usr/sbin/haproxy')) return;
  if (process.getuid?.() !== 0) {
    console.error("Cluster tests need Debian's haproxy: run `sudo apt-get install -y haproxy`.");
    process.exit(1);
  }
  console.log('▶ installing Debian haproxy for the cluster tests');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'haproxy'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

if (hasE2eTests()) ensureChromium();
ensurePostgres();
ensureHaproxy();
step('type-check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
step('lint', bin('eslint'), ['.', '--max-warnings', '0']);
step('format', bin('prettier'), ['--check', '.']);

mkdirSync(join(root, 'test-results'), { recursive: true });
const report = join(root, 'test-results', 'vitest.json');
console.log('\n▶ tests');
const run = spawnSync(
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const summary = JSON.parse(readFileSync(report, 'utf8'));
  passed = summary.numPassedTests;
  failed = summary.numFailedTests;
  skipped = summary.numPendingTests + summary.numTodoTests;
} catch {
  failed = Math.max(failed, 1);
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
