/**
 * Lighthouse 13 (its default config: mobile emulation, simulated slow 4G and 4× CPU slowdown) against
 * the built PWA served by a real relay, in Debian's Chromium — never a downloaded browser.
 *
 * - **sign-in**: a first visit, storage reset (no session, no service worker, nothing cached).
 * - **unit queue, signed in**: a 4W nurse signs in through the UI in the same browser profile first, so
 *   the page opens with her session (localStorage `wardline.session`) and her synced worklist; Lighthouse
 *   keeps that storage (`disableStorageReset`) and audits `/queue` in a new tab.
 *
 * `runLighthouse(url)` is called by `npm run bench:pwa`; `npm run bench:lighthouse` runs it alone
 * against a relay it starts (the production build, the demo morning's tasks).
 *
 * `npm run bench:lighthouse -- [--runs N] [--base-dist DIR]`: N runs (default 1); with `--base-dist`, a
 * second relay (this tree's relay code, same tasks) serves an already built base PWA (`vite build
 * --outDir DIR` in the base tree) and the two are audited in alternation, so the machine's load falls
 * on both alike. Every run lists the queue's long tasks as Lighthouse simulated them (×4 CPU), which is
 * what its Total Blocking Time adds up (each task's time beyond 50 ms, between FCP and TTI).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, freePort, signIn, waitUntilLive } from '../tests/helpers/browser';

export interface LighthouseRun {
  name: string;
  path: string;
  performance: number;
  accessibility: number;
  /** Failing audits of either category, with their score: what to fix. */
  failing: string[];
  metrics: Record<string, string>;
  /** Total Blocking Time in ms (a number, for medians). */
  tbt: number;
  /** Lighthouse's `long-tasks` audit: simulated start and duration (ms) and the script it blames. */
  longTasks: { startTime: number; duration: number; url: string }[];
}

const METRICS = [
  'first-contentful-paint',
  'largest-contentful-paint',
  'total-blocking-time',
  'cumulative-layout-shift',
  'speed-index',
];

async function audit(
  port: number,
  url: string,
  keepStorage: boolean,
): Promise<Omit<LighthouseRun, 'name' | 'path'>> {
  const result = await lighthouse(url, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility'],
    disableStorageReset: keepStorage,
  });
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const failing: string[] = [];
  for (const id of ['performance', 'accessibility']) {
    for (const ref of lhr.categories[id]?.auditRefs ?? []) {
      const a = lhr.audits[ref.id];
      if (!a || ref.weight === 0 || a.score === null || a.score >= 0.9) continue;
      failing.push(`${id}: ${a.id} (${a.score}) ${a.displayValue ?? ''}`.trim());
    }
  }
  const metrics: Record<string, string> = {};
  for (const id of METRICS) metrics[id] = lhr.audits[id]?.displayValue ?? '?';
  const items = (lhr.audits['long-tasks']?.details as { items?: Record<string, unknown>[] } | undefined)
    ?.items;
  const longTasks = (items ?? []).map((t) => ({
    startTime: Math.round(Number(t.startTime)),
    duration: Math.round(Number(t.duration)),
    url: String(t.url ?? '').replace(/^https?:\/\/[^/]+/, ''),
  }));
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    failing,
    metrics,
    tbt: Math.round(lhr.audits['total-blocking-time']?.numericValue ?? NaN),
    longTasks,
  };
}

/** Audits the sign-in page and a signed-in unit queue on the relay at `url`. */
export async function runLighthouse(url: string, staffName = 'R. Okafor'): Promise<LighthouseRun[]> {
  const profile = mkdtempSync(join(tmpdir(), 'wardline-lighthouse-'));
  const port = await freePort();
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`],
    baseURL: url,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  try {
    const runs: LighthouseRun[] = [];
    runs.push({ name: 'sign-in (first visit)', path: '/', ...(await audit(port, `${url}/`, false)) });
    // Sign in through the UI in the same profile; Lighthouse's tab then shares its storage.
    const page = context.pages()[0] ?? (await context.newPage());
    await signIn(page, staffName);
    await waitUntilLive(page, 60_000);
    runs.push({
      name: 'unit queue (signed in)',
      path: '/queue',
      ...(await audit(port, `${url}/queue`, true)),
    });
    return runs;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export function lighthouseMarkdown(runs: readonly LighthouseRun[]): string {
  const lines = [
    '| page | performance | accessibility | FCP | LCP | TBT | CLS | Speed Index |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.name} \`${r.path}\` | ${r.performance} | ${r.accessibility} | ${METRICS.map((m) => r.metrics[m]).join(' | ')} |`,
    ),
  ];
  for (const r of runs)
    if (r.failing.length > 0) lines.push('', `${r.name}, below 0.9:`, ...r.failing.map((f) => `- ${f}`));
  return lines.join('\n');
}

export function longTasksMarkdown(run: LighthouseRun): string {
  return run.longTasks
    .map((t) => `- at ${t.startTime} ms: ${t.duration} ms, ${t.url || '(no script)'}`)
    .join('\n');
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return Number.isInteger(mid) ? Math.round((s[mid - 1]! + s[mid]!) / 2) : s[Math.floor(mid)]!;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildPwa } = await import('../tests/helpers/pwa-build');
  const { startTestRelay } = await import('../tests/helpers/relay');
  const { demoMorning, ingest } = await import('../tests/helpers/ward-data');
  const { loadavg } = await import('node:os');
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const runs = Number(arg('--runs') ?? 1);
  const baseDist = arg('--base-dist');
  const build = await buildPwa();
  const trees = [{ name: 'this tree', dir: build.dir }];
  if (baseDist) trees.push({ name: `base (${baseDist})`, dir: baseDist });
  const relays = await Promise.all(trees.map((t) => startTestRelay({ STATIC_DIR: t.dir })));
  const results = trees.map(() => [] as LighthouseRun[][]);
  try {
    for (const relay of relays) await ingest(relay.url, demoMorning(400));
    for (let run = 1; run <= runs; run++) {
      for (const [i, tree] of trees.entries()) {
        const load = loadavg()[0]!.toFixed(1);
        console.log(
          `\n## ${tree.name}, run ${run}/${runs}: Lighthouse 13, mobile (${new Date().toISOString().slice(0, 16)}Z, load ${load})\n`,
        );
        const result = await runLighthouse(relays[i]!.url);
        results[i]!.push(result);
        console.log(lighthouseMarkdown(result));
        for (const r of result)
          console.log(`\n${r.name}, long tasks (simulated):\n${longTasksMarkdown(r) || '- none'}`);
      }
    }
    if (runs > 1 || trees.length > 1) {
      console.log(
        '\n## Medians\n\n| tree | page | performance | accessibility | TBT ms (runs) | median TBT ms |\n|---|---|---|---|---|---|',
      );
      for (const [i, tree] of trees.entries()) {
        for (const [p, page] of results[i]![0]!.entries()) {
          const of = results[i]!.map((r) => r[p]!);
          console.log(
            `| ${tree.name} | ${page.name} | ${median(of.map((r) => r.performance))} (${of.map((r) => r.performance).join(', ')}) | ${of.map((r) => r.accessibility).join(', ')} | ${of.map((r) => r.tbt).join(', ')} | ${median(of.map((r) => r.tbt))} |`,
          );
        }
      }
    }
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    build.remove();
  }
}
