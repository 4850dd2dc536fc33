/**
 * `npm run bench:scale`: the budget of no Long Task over 200 ms while a 5,000-task unit syncs,
 * renders and scrolls, measured in the scenario of tests/e2e/scale.test.ts (which checks what a user
 * sees, not the time):
 *
 * a relay holding 5,000 open 4W tasks (tests/helpers/scale-data.ts `busyUnit`); a fresh device (new
 * browser context, empty IndexedDB) at the desktop size taps R. Okafor (a 4W nurse) on the sign-in
 * screen and opens the unit queue; then three phases, as Chromium's own Long Tasks API reports them:
 *
 * 1. sign-in and first sync: from the tap until the queue shows all 5,000 (the page's own start-up,
 *    loading its code, is before the tap and not counted; it is shown for reference);
 * 2. desktop table scroll: a hard fling through the table, then to its last row;
 * 3. phone cards scroll: the viewport becomes a phone's, and the same fling through the cards.
 *
 * Each round is a new device; `--rounds N` (or `SCALE_ROUNDS=N`; default 3) rounds, one after another
 * in one Chromium. Prints Markdown for BENCHMARKS.md: per round the longest long task of each phase and
 * overall, then the median over rounds against the budget.
 *
 * Runs the relay in this process and Debian's Chromium headless on a production build (as bench:pwa).
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openDevice, VIEWPORTS } from '../tests/helpers/browser';
import { buildPwa } from '../tests/helpers/pwa-build';
import { startTestRelay } from '../tests/helpers/relay';
import { busyUnit } from '../tests/helpers/scale-data';
import { ingest } from '../tests/helpers/ward-data';

const TASKS = 5_000;
const LONG_TASK_BUDGET_MS = 200;
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? process.env.SCALE_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds must be a whole number ≥ 1`);

const PHASES = ['sign-in and first sync', 'desktop table scroll', 'phone cards scroll'] as const;

interface LongTask {
  at: number;
  ms: number;
}

interface Round {
  /** Longest long task (ms) per phase, 0 when the phase had none; in PHASES order. */
  longest: number[];
  overall: number;
  /** Long tasks (≥ 50 ms, the API's threshold) from the tap on. */
  count: number;
  overBudget: number;
  /** Longest long task before the tap: the page loading its code. Not part of the budget. */
  startUp: number;
  /** Tap → the unit queue shows all 5,000, for context. */
  tapToListMs: number;
}

const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 0 });
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function now(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** The same fling as tests/e2e/scale.test.ts: 600 px a frame for 90 frames, then to the very end. */
function scrollThrough(page: Page, selector: string): Promise<void> {
  return page.evaluate(async (sel) => {
    // No named helpers in here: tsx would wrap them in a `__name` call the page does not have.
    const scroller = document.querySelector(sel)!;
    for (let i = 0; i < 90; i++) {
      scroller.scrollTop += 600;
      await new Promise((r) => requestAnimationFrame(r));
    }
    // Rows are measured as they appear, so the end moves while we approach it: follow it until it stops.
    for (let i = 0; i < 100 && scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 1; i++) {
      scroller.scrollTop = scroller.scrollHeight;
      await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => requestAnimationFrame(r));
    }
  }, selector);
}

async function round(browser: Browser, url: string): Promise<Round> {
  const device = await openDevice(browser, url, 'desktop');
  const page = device.page;
  try {
    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: Array<{ at: number; ms: number }> };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          w.__longTasks.push({ at: entry.startTime, ms: entry.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto('/');
    const signInButton = page.getByRole('button', { name: /^R\. Okafor/ });
    await signInButton.waitFor();
    const tappedAt = await now(page);
    const tapped = Date.now();
    await signInButton.click();
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^Unit queue/ })
      .click();
    await page.locator('.count', { hasText: `${TASKS} tasks` }).waitFor({ timeout: 60_000 });
    const tapToListMs = Date.now() - tapped;
    const starts = [tappedAt, await now(page)];

    await scrollThrough(page, '.tbody');
    await page.locator(`.tbody [role=row][aria-rowindex="${TASKS + 1}"]`).waitFor();

    starts.push(await now(page));
    await page.setViewportSize(VIEWPORTS.phone);
    await page.locator('.card-scroll').waitFor();
    await scrollThrough(page, '.card-scroll');
    await page.locator(`li.card[aria-posinset="${TASKS}"]`).waitFor();

    // Long task entries reach the observer after the task ends: let the last ones arrive.
    const all = await page.evaluate(async () => {
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 250)));
      return (window as unknown as { __longTasks: LongTask[] }).__longTasks;
    });
    if (device.errors.length > 0) throw new Error(`page errors: ${device.errors.join(' | ')}`);

    const longest = (tasks: LongTask[]) => Math.max(0, ...tasks.map((t) => t.ms));
    const counted = all.filter((t) => t.at >= tappedAt);
    return {
      longest: starts.map((from, i) =>
        longest(counted.filter((t) => t.at >= from && t.at < (starts[i + 1] ?? Infinity))),
      ),
      overall: longest(counted),
      count: counted.length,
      overBudget: counted.filter((t) => t.ms > LONG_TASK_BUDGET_MS).length,
      startUp: longest(all.filter((t) => t.at < tappedAt)),
      tapToListMs,
    };
  } finally {
    await device.context.close();
  }
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const build = await buildPwa();
  const relay = await startTestRelay({ STATIC_DIR: build.dir });
  const browser = await launchBrowser();
  try {
    await ingest(relay.url, busyUnit(TASKS));
    console.log(
      `\n## Scale (\`npm run bench:scale -- --rounds ${ROUNDS}\`, ${new Date().toISOString().slice(0, 16)}Z)\n`,
    );
    console.log(`Chromium ${browser.version()}; load average before: ${loadBefore}.\n`);
    console.log(
      `| round | ${PHASES.map((p) => `${p}: longest ms`).join(' | ')} | overall longest ms | long tasks (≥ 50 ms) | over ${LONG_TASK_BUDGET_MS} ms | start-up longest ms (not counted) | tap → list ms |`,
    );
    console.log(`|${'---|'.repeat(PHASES.length + 6)}`);
    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const result = await round(browser, relay.url);
      rounds.push(result);
      console.log(
        `| ${r} | ${result.longest.map(fmt).join(' | ')} | ${fmt(result.overall)} | ${result.count} | ${result.overBudget} | ${fmt(result.startUp)} | ${fmt(result.tapToListMs)} |`,
      );
    }
    const med = (pick: (r: Round) => number) => fmt(median(rounds.map(pick)));
    console.log(
      `| median | ${PHASES.map((_, i) => med((r) => r.longest[i]!)).join(' | ')} | **${med((r) => r.overall)}** | ${med((r) => r.count)} | ${med((r) => r.overBudget)} | ${med((r) => r.startUp)} | ${med((r) => r.tapToListMs)} |`,
    );
    const medianOverall = median(rounds.map((r) => r.overall));
    const within = rounds.filter((r) => r.overall <= LONG_TASK_BUDGET_MS).length;
    console.log(
      `\nMedian longest long task over ${ROUNDS} round(s): **${fmt(medianOverall)} ms** (budget ${LONG_TASK_BUDGET_MS} ms) — ${
        medianOverall <= LONG_TASK_BUDGET_MS ? 'within budget' : 'OVER BUDGET'
      }; ${within} of ${ROUNDS} round(s) within it. Load average after: ${loadAverage()}.`,
    );
  } finally {
    await browser.close();
    await relay.stop();
    build.remove();
  }
}

await main();
