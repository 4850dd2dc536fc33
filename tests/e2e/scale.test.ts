import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openDevice, VIEWPORTS } from '../helpers/browser';
import { startTestRelay, type TestRelay } from '../helpers/relay';
import { busyUnit } from '../helpers/scale-data';
import { ingest } from '../helpers/ward-data';

/**
 * Issue #5: a 5,000-task unit renders and scrolls (virtualized) without a long task over 200 ms, as
 * Chromium's own Long Tasks API reports them from the tap on the sign-in screen to the end of
 * scrolling: the first sync of all 5,000 tasks into the device database included, the page's own
 * start-up (loading its code) not.
 */

const TASKS = 5_000;
const LONG_TASK_LIMIT_MS = 200;
/** A virtual list renders what is on screen plus overscan, never the whole unit. */
const MAX_RENDERED_ROWS = 80;

let relay: TestRelay;
let browser: Browser;

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  await ingest(relay.url, busyUnit(TASKS));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

interface LongTask {
  at: number;
  ms: number;
}

function longTasks(page: Page): Promise<LongTask[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: LongTask[] }).__longTasks);
}

function now(page: Page): Promise<number> {
  return page.evaluate(() => Math.round(performance.now()));
}

/**
 * Scrolls the list's own scroller as a hard fling would, 600 px a frame for 90 frames (a whole screen
 * of new rows every frame), then to the very end.
 */
function scrollThrough(page: Page, selector: string): Promise<void> {
  return page.evaluate(async (sel) => {
    const scroller = document.querySelector(sel)!;
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    for (let i = 0; i < 90; i++) {
      scroller.scrollTop += 600;
      await frame();
    }
    // Rows are measured as they appear, so the end moves while we approach it: follow it until it stops.
    for (let i = 0; i < 100 && scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 1; i++) {
      scroller.scrollTop = scroller.scrollHeight;
      await frame();
      await frame();
    }
  }, selector);
}

describe('[issue 5] a 5,000-task unit', () => {
  it('syncs, renders and scrolls with no long task over 200 ms, rendering only what is on screen', async () => {
    const device = await openDevice(browser, relay.url, 'desktop');
    const page = device.page;
    let pushes = 0;
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        if (String(frame.payload).includes('"target":"taskChanged"')) pushes++;
      }),
    );
    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: Array<{ at: number; ms: number }> };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          w.__longTasks.push({ at: Math.round(entry.startTime), ms: Math.round(entry.duration) });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto('/');
    const signInButton = page.getByRole('button', { name: /^R\. Okafor/ });
    await signInButton.waitFor();
    // From the tap on the sign-in screen on: loading the app's code itself is not the unit's doing.
    const tappedAt = await now(page);
    const started = Date.now();
    await signInButton.click();
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^Unit queue/ })
      .click();
    await page.locator('.count', { hasText: `${TASKS} tasks` }).waitFor({ timeout: 60_000 });
    console.log(`signed in and showing ${TASKS} tasks after ${Date.now() - started} ms`);
    const phases: Array<[string, number]> = [
      ['sign-in and first sync', tappedAt],
      ['desktop scroll', await now(page)],
    ];

    // Desktop: the dense table.
    const rows = page.locator('.tbody [role=row]');
    expect(await rows.count()).toBeLessThan(MAX_RENDERED_ROWS);
    await scrollThrough(page, '.tbody');
    await page.locator(`.tbody [role=row][aria-rowindex="${TASKS + 1}"]`).waitFor();
    expect(await rows.count()).toBeLessThan(MAX_RENDERED_ROWS);

    // Phone: the same list as cards.
    phases.push(['phone cards', await now(page)]);
    await page.setViewportSize(VIEWPORTS.phone);
    await page.locator('.card-scroll').waitFor();
    await scrollThrough(page, '.card-scroll');
    await page.locator(`li.card[aria-posinset="${TASKS}"]`).waitFor();
    expect(await page.locator('li.card').count()).toBeLessThan(MAX_RENDERED_ROWS);

    console.log(`live pushes received while rendering and scrolling: ${pushes}`);
    const long = (await longTasks(page)).filter((t) => t.at >= tappedAt);
    for (const [i, [phase, from]] of phases.entries()) {
      const to = phases[i + 1]?.[1] ?? Infinity;
      const inPhase = long.filter((t) => t.at >= from && t.at < to).map((t) => t.ms);
      console.log(`long tasks during ${phase} (ms): ${JSON.stringify(inPhase)}`);
    }
    expect(Math.max(0, ...long.map((t) => t.ms))).toBeLessThanOrEqual(LONG_TASK_LIMIT_MS);
    expect(device.errors).toEqual([]);
  });
});
