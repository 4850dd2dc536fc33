import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openDevice, openUnitQueue, signIn } from '../helpers/browser';
import { routed } from '../helpers/events';
import { startTestRelay, type TestRelay } from '../helpers/relay';
import { busyUnit } from '../helpers/scale-data';
import { ingest } from '../helpers/ward-data';

/**
 * [S9] A fresh device's first screen is its first full sync as written, from memory; the database read
 * that follows it changes nothing on screen when it holds the same tasks, and every later change
 * written to the database (here, the relay's live pushes) still shows.
 */
const TASKS = 1_500;

let relay: TestRelay;
let browser: Browser;

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  await ingest(relay.url, busyUnit(TASKS, 'first'));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

const marks = (page: Page, name: string) =>
  page.evaluate((n) => performance.getEntriesByName(n, 'mark').length, name);

describe('a fresh device’s first screen', () => {
  it('[S9] is the first sync from memory, and a push after it still moves and renames tasks on screen', async () => {
    const events = busyUnit(TASKS, 'first') as Array<ReturnType<typeof routed>>;
    const moved = events[10]!.data;
    const renamed = events[20]!.data;
    const device = await openDevice(browser, relay.url, 'tablet');
    const page = device.page;
    await signIn(page, 'R. Okafor');
    await openUnitQueue(page);
    await page.locator('.count', { hasText: `${TASKS} tasks` }).waitFor({ timeout: 60_000 });
    // Her list came from the sync's own pages, not from reading back what it had just written: the
    // device was empty when she signed in, however soon its first page landed.
    // (Marked in the effect after the list's commit: React may run it a moment after the count shows.)
    await expect.poll(() => marks(page, 'wardline:snapshot-shown'), { timeout: 30_000 }).toBe(1);
    // Then the database read takes over (the list stays as it is: the same tasks at the same seqs).
    await expect.poll(() => marks(page, 'wardline:worklist-read'), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.locator('.count', { hasText: `${TASKS} tasks` }).waitFor();

    await ingest(relay.url, [
      routed(moved.taskId, 2, { ...moved, revision: 2, unit: '5E' }),
      routed(renamed.taskId, 2, { ...renamed, revision: 2, title: 'Renamed after the first screen' }),
    ]);
    await page.locator('.count', { hasText: `${TASKS - 1} tasks` }).waitFor({ timeout: 60_000 });
    // The renamed task's panel, opened in the page (a reload would make it a device that is not fresh).
    await page.evaluate((id) => {
      history.pushState(null, '', `/queue/${id}`);
      dispatchEvent(new PopStateEvent('popstate'));
    }, renamed.taskId);
    await page.getByText('Renamed after the first screen').first().waitFor({ timeout: 60_000 });
    expect(device.errors).toEqual([]);
    await device.context.close();
  });
});
