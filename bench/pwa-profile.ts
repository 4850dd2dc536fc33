/**
 * `npx tsx bench/pwa-profile.ts [--tasks N] [--queue-tasks N] [--slowdown N] [--only sync|queue]`:
 * where the PWA's time goes, from Chromium's own CPU profiler (CDP `Profiler`, through playwright-core),
 * on an unminified production build (names readable; `minify: false` only, same code otherwise).
 *
 * 1. **sync**: a fresh device (empty IndexedDB) taps a 4W nurse's name on a relay holding `--tasks`
 *    (5,000) open 4W tasks and opens the unit queue; profiled from the tap until the queue shows them all.
 * 2. **queue**: the same nurse, signed in and synced on a relay with the demo morning (`--queue-tasks`,
 *    400, as `bench:lighthouse`), reloads `/queue` under `--slowdown` (4, Lighthouse's) CPU throttling;
 *    profiled from the navigation until the list is shown and the page has been idle.
 *
 * Prints, per scenario: busy and idle time, the main thread's busy stretches of 50 ms or more (what
 * Lighthouse counts as long tasks) with the functions that took most of each, and self time grouped
 * by area (Dexie, zod, React, the app's files, the browser's own GC/parse/compile).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { build } from 'vite';
import { launchBrowser, openDevice, signIn, waitUntilLive } from '../tests/helpers/browser';
import { ROOT, startTestRelay } from '../tests/helpers/relay';
import { busyUnit } from '../tests/helpers/scale-data';
import { demoMorning, ingest } from '../tests/helpers/ward-data';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const TASKS = Number(arg('--tasks') ?? 5_000);
const QUEUE_TASKS = Number(arg('--queue-tasks') ?? 400);
const SLOWDOWN = Number(arg('--slowdown') ?? 4);
const ONLY = arg('--only');
const LONG_MS = 50;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the app or the browser a frame belongs to, for the grouped totals. */
function area(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'browser: GC';
  if (functionName === '(program)') return 'browser: other (layout, style, IndexedDB glue, parse)';
  if (!url) return `browser: ${functionName || 'native'}`;
  const file = url.split('/').pop() ?? url;
  return `js: ${file.replace(/-[\w-]{8}\.js$/, '.js')}`;
}

function frameName(frame: ProfileNode['callFrame']): string {
  const file = (frame.url.split('/').pop() ?? '').replace(/-[\w-]{8}\.js$/, '.js');
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
}

function summarize(title: string, profile: Profile, tasks?: TraceTask[]): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let t = profile.startTime;
  const samples = profile.samples.map((id, i) => {
    t += profile.timeDeltas[i]!;
    return { id, at: t, dt: (profile.timeDeltas[i + 1] ?? 0) / 1000 };
  });
  const selfByArea = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const s of samples) add(selfByArea, area(byId.get(s.id)!.callFrame), s.dt);
  const total = (profile.endTime - profile.startTime) / 1000;
  const idle = selfByArea.get('idle') ?? 0;
  console.log(`\n### ${title}\n`);
  console.log(
    `Profiled ${total.toFixed(0)} ms: busy ${(total - idle).toFixed(0)} ms, idle ${idle.toFixed(0)} ms.\n`,
  );
  console.log('| area (self time) | ms |\n|---|---|');
  for (const [k, ms] of [...selfByArea]
    .sort((a, b) => b[1] - a[1])
    .filter(([k]) => k !== 'idle')
    .slice(0, 14))
    console.log(`| ${k} | ${ms.toFixed(0)} |`);

  // Busy stretches: consecutive non-idle samples (what the main thread did without a break).
  const stretches: Array<{ from: number; ms: number; items: typeof samples }> = [];
  let current: (typeof stretches)[number] | null = null;
  for (const s of samples) {
    const busy = byId.get(s.id)!.callFrame.functionName !== '(idle)';
    if (busy) {
      current ??= { from: s.at, ms: 0, items: [] };
      current.ms += s.dt;
      current.items.push(s);
    } else if (current) {
      stretches.push(current);
      current = null;
    }
  }
  if (current) stretches.push(current);
  const long = stretches.filter((s) => s.ms >= LONG_MS);
  console.log(
    `\nBusy stretches ≥ ${LONG_MS} ms: ${long.length} (sum ${long.reduce((a, s) => a + s.ms, 0).toFixed(0)} ms; ` +
      `blocking beyond 50 ms each: ${long.reduce((a, s) => a + s.ms - 50, 0).toFixed(0)} ms)\n`,
  );
  const describe = (items: typeof samples) => {
    // Inclusive time per app function inside the stretch: each sample counts once for every distinct
    // named frame on its stack, so the outer callers that explain the stretch show up.
    const inclusive = new Map<string, number>();
    for (const item of items) {
      const seen = new Set<string>();
      for (let id: number | undefined = item.id; id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)!.callFrame;
        if (!frame.url) continue;
        const name = frameName(frame);
        if (seen.has(name)) continue;
        seen.add(name);
        add(inclusive, name, item.dt);
      }
    }
    const self = new Map<string, number>();
    for (const item of items) add(self, frameName(byId.get(item.id)!.callFrame), item.dt);
    const top = (m: Map<string, number>, n: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, ms]) => `${k} ${ms.toFixed(0)}`)
        .join('; ');
    console.log(`  - inclusive: ${top(inclusive, 8)}`);
    console.log(`  - self: ${top(self, 6)}`);
  };
  for (const s of long) {
    console.log(`- at +${((s.from - profile.startTime) / 1000).toFixed(0)} ms, **${s.ms.toFixed(0)} ms**`);
    describe(s.items);
  }
  if (!tasks) return;
  // The trace's top-level tasks: what Lighthouse adds up for Total Blocking Time (each task's time
  // beyond 50 ms). Under CDP throttling these durations are already the slowed-down ones.
  // Tasks that began before the profile (the previous page's) or end after it (the profile's own
  // serialisation) are not the page's.
  const longTasks = tasks.filter(
    (t) => t.dur / 1000 >= LONG_MS && t.ts >= profile.startTime && t.ts + t.dur <= profile.endTime,
  );
  console.log(
    `\nLong tasks (trace RunTask ≥ ${LONG_MS} ms): ${longTasks.length} (sum ${longTasks.reduce((a, t) => a + t.dur / 1000, 0).toFixed(0)} ms; ` +
      `**blocking beyond 50 ms each: ${longTasks.reduce((a, t) => a + t.dur / 1000 - 50, 0).toFixed(0)} ms**)\n`,
  );
  // Lighthouse observes tasks unthrottled and multiplies them by 4: the same from each task's CPU time,
  // which other processes on a loaded machine do not inflate (CDP's throttling itself burns CPU: at
  // --slowdown 4 the thread time is already the slowed-down one, at 1 it is multiplied by 4).
  const inWindow = tasks.filter((t) => t.ts >= profile.startTime && t.ts + t.dur <= profile.endTime);
  const simulated = inWindow
    .map((t) => ({ ...t, ms: ((4 / SLOWDOWN) * t.tdur) / 1000 }))
    .filter((t) => t.ms >= LONG_MS);
  console.log(
    `CPU-time estimate (each task's thread time × ${4 / SLOWDOWN}, as Lighthouse's 4× simulation): ${simulated.length} tasks ≥ ${LONG_MS} ms, ` +
      `**blocking ${simulated.reduce((a, t) => a + t.ms - 50, 0).toFixed(0)} ms** ` +
      `(${simulated.map((t) => `+${((t.ts - profile.startTime) / 1000).toFixed(0)}: ${t.ms.toFixed(0)}`).join(', ')})\n`,
  );
  for (const t of longTasks) {
    console.log(
      `- at +${((t.ts - profile.startTime) / 1000).toFixed(0)} ms, **${(t.dur / 1000).toFixed(0)} ms**`,
    );
    describe(samples.filter((x) => x.at >= t.ts && x.at <= t.ts + t.dur));
  }
}

/** A top-level task on the page's main thread, from the trace (µs, the profiler's clock). */
interface TraceTask {
  ts: number;
  dur: number;
  /** The main thread's CPU time in the task (µs): what another process on a loaded machine cannot inflate. */
  tdur: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** The renderer main thread's `RunTask`s (the busiest renderer, should a navigation have made two). */
function mainThreadTasks(events: TraceEvent[]): TraceTask[] {
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map<string, TraceTask[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.name !== 'RunTask' || e.ph !== 'X' || !mains.has(key) || e.dur === undefined) continue;
    byThread.set(key, [...(byThread.get(key) ?? []), { ts: e.ts, dur: e.dur, tdur: e.tdur ?? e.dur }]);
  }
  const busiest = [...byThread.values()].sort(
    (a, b) => b.reduce((x, t) => x + t.dur, 0) - a.reduce((x, t) => x + t.dur, 0),
  )[0];
  return (busiest ?? []).sort((a, b) => a.ts - b.ts);
}

async function profiled<T>(cdp: CDPSession, run: () => Promise<T>): Promise<Profile> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await run();
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
  return profile;
}

/** `profiled`, plus a Chromium trace of the same span for its top-level tasks. */
async function profiledWithTasks<T>(
  cdp: CDPSession,
  run: () => Promise<T>,
): Promise<{ profile: Profile; tasks: TraceTask[] }> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['disabled-by-default-devtools.timeline', '__metadata'] },
  });
  const profile = await profiled(cdp, run);
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  await complete;
  return { profile, tasks: mainThreadTasks(events) };
}

const marks = (page: Page, origin: number) =>
  page.evaluate(
    (from) =>
      performance
        .getEntries()
        .filter((e) => e.name.startsWith('wardline:'))
        .sort((a, b) => a.startTime - b.startTime)
        .map(
          (e) =>
            `${e.name} (${e.entryType}) at +${(e.startTime - from).toFixed(0)}` +
            (e.duration > 0 ? `, ${e.duration.toFixed(0)} ms` : ''),
        ),
    origin,
  );

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wardline-profile-'));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: dir, emptyOutDir: true, minify: false } });
  if (nodeEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = nodeEnv;
  const browser = await launchBrowser();
  try {
    if (ONLY !== 'queue') {
      const relay = await startTestRelay({ STATIC_DIR: dir });
      try {
        await ingest(relay.url, busyUnit(TASKS));
        // A relay that has served the app before (its static files compressed): one fresh device
        // signs in and syncs unprofiled first, as the bench's later rounds do.
        const warm = await openDevice(browser, relay.url, 'tablet');
        await warm.page.goto('/');
        await warm.page.getByRole('button', { name: /^R\. Okafor/ }).click();
        await warm.page.locator('.link-live', { hasText: 'Last synced at' }).waitFor({ timeout: 120_000 });
        await warm.context.close();
        const device = await openDevice(browser, relay.url, 'tablet');
        const { page } = device;
        await page.goto('/');
        const button = page.getByRole('button', { name: /^R\. Okafor/ });
        await button.waitFor();
        const cdp = await device.context.newCDPSession(page);
        let shown = 0;
        let tappedAt = 0;
        // The relay runs in this process: its own CPU profile over the same span.
        const node = new Session();
        node.connect();
        await node.post('Profiler.enable');
        await node.post('Profiler.setSamplingInterval', { interval: 200 });
        await node.post('Profiler.start');
        const profile = await profiled(cdp, async () => {
          tappedAt = await page.evaluate(() => performance.now());
          const tapped = Date.now();
          await button.click();
          await page
            .getByRole('navigation', { name: 'Views' })
            .getByRole('link', { name: /^Unit queue/ })
            .click();
          await page.locator('.count', { hasText: `${TASKS} tasks` }).waitFor({ timeout: 120_000 });
          shown = Date.now() - tapped;
        });
        const relayProfile = (await node.post('Profiler.stop')).profile as unknown as Profile;
        node.disconnect();
        summarize(`Fresh device, ${TASKS} tasks: tap → unit queue shows all (${shown} ms)`, profile);
        console.log(`\nPage timeline (ms from the tap at ${tappedAt.toFixed(0)}):\n`);
        console.log((await marks(page, tappedAt)).map((m) => `- ${m}`).join('\n'));
        summarize(
          'The relay (same process, same span; its idle is the Node event loop waiting)',
          relayProfile,
        );
        await device.context.close();
      } finally {
        await relay.stop();
      }
    }
    if (ONLY !== 'sync') {
      const relay = await startTestRelay({ STATIC_DIR: dir });
      try {
        await ingest(relay.url, demoMorning(QUEUE_TASKS));
        const device = await openDevice(browser, relay.url, 'phone');
        const { page } = device;
        await signIn(page, 'R. Okafor');
        await waitUntilLive(page, 60_000);
        const cdp = await device.context.newCDPSession(page);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
        let shown = 0;
        const { profile, tasks } = await profiledWithTasks(cdp, async () => {
          const start = Date.now();
          await page.goto('/queue');
          await page.locator('.count').first().waitFor({ timeout: 120_000 });
          shown = Date.now() - start;
          await page.waitForTimeout(3_000); // what Lighthouse waits for: the main thread to go quiet
        });
        summarize(
          `Signed-in unit queue reload, ${QUEUE_TASKS} demo tasks, ${SLOWDOWN}× CPU slowdown (count shown after ${shown} ms)`,
          profile,
          tasks,
        );
        await device.context.close();
      } finally {
        await relay.stop();
      }
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
