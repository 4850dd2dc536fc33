import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openDevice, openUnitQueue, signIn, waitUntilLive } from '../helpers/browser';
import { routed } from '../helpers/events';
import { readStore } from '../helpers/offline';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * docs/SYNC.md S14, in real Chromium against a real relay serving the built PWA: a task row on the device
 * that no longer parses (an older build's shape, a hand edit) is never shown; the relay's copy replaces
 * it at the next catch-up.
 */

const TASK_ID = 'e2e-dc-marram';
const PATIENT = { ref: 'Patient/e2e-s14', name: 'Marram Thistledown', mrn: 'DEMO-900014', bed: '4W-11' };
const HALF_FORMED = 'Half-formed stored row';

let relay: TestRelay;
let browser: Browser;

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  const ingest = await devToken(relay.url, 'integration-engine');
  const { status } = await postEvents(relay.url, ingest, [routed(TASK_ID, 1, { patient: PATIENT })]);
  expect(status).toBe(202);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

interface StoredTask {
  id: string;
  seq: number;
  status: string;
  title: string;
}

describe('[S14] a stored task that no longer parses is resynced, never shown', () => {
  it('drops the row when the app opens and shows the relay’s copy after the catch-up', async () => {
    const nurse = await openDevice(browser, relay.url, 'tablet');
    const page = nurse.page;
    await signIn(page, 'R. Okafor');
    await waitUntilLive(page);
    await openUnitQueue(page);
    await page.locator(`li[data-task-id="${TASK_ID}"]`).getByText('Discharge to home').waitFor();

    // An older build's row: a status this build does not know, and a title to recognise it by.
    await page.evaluate(
      async ({ id, title }) => {
        const name = (await indexedDB.databases())
          .map((d) => d.name ?? '')
          .find((n) => n.startsWith('wardline-'));
        if (!name) throw new Error('no device database');
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        try {
          await new Promise<void>((resolve, reject) => {
            const store = db.transaction('tasks', 'readwrite').objectStore('tasks');
            const get = store.get(id);
            get.onsuccess = () => {
              const put = store.put({ ...get.result, status: 'archived', title });
              put.onsuccess = () => resolve();
              put.onerror = () => reject(put.error);
            };
            get.onerror = () => reject(get.error);
          });
        } finally {
          db.close();
        }
      },
      { id: TASK_ID, title: HALF_FORMED },
    );

    // From the first paint of the reopened app on, record whether the half-formed row ever shows.
    await page.addInitScript((needle: string) => {
      const w = window as unknown as { __sawIt?: boolean };
      w.__sawIt = false;
      const check = () => {
        if (document.documentElement.textContent?.includes(needle)) w.__sawIt = true;
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
    }, HALF_FORMED);
    await page.reload();
    await waitUntilLive(page);
    await openUnitQueue(page);
    await page.locator(`li[data-task-id="${TASK_ID}"]`).getByText('Discharge to home').waitFor();

    const stored = (await readStore<StoredTask>(page, 'tasks')).find((t) => t.id === TASK_ID);
    expect(stored).toMatchObject({ status: 'requested', title: 'Discharge to home' });
    expect(await page.evaluate(() => (window as unknown as { __sawIt: boolean }).__sawIt)).toBe(false);
    expect(nurse.errors).toEqual([]);
    await nurse.context.close();
  });
});
