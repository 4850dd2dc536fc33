import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  launchBrowser,
  openDevice,
  openUnitQueue,
  sawText,
  signIn,
  waitUntilLive,
  watchForText,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { readStore, writeStore } from '../helpers/offline';
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
    const held = (await readStore<StoredTask>(page, 'tasks')).find((t) => t.id === TASK_ID);
    expect(held).toBeDefined();
    await writeStore(page, 'tasks', [{ ...held, status: 'archived', title: HALF_FORMED }], 'put');

    // From the first paint of the reopened app on, record whether the half-formed row ever shows.
    await watchForText(page, HALF_FORMED);
    await page.reload();
    await waitUntilLive(page);
    await openUnitQueue(page);
    await page.locator(`li[data-task-id="${TASK_ID}"]`).getByText('Discharge to home').waitFor();

    const stored = (await readStore<StoredTask>(page, 'tasks')).find((t) => t.id === TASK_ID);
    expect(stored).toMatchObject({ status: 'requested', title: 'Discharge to home' });
    expect(await sawText(page)).toBe(false);
    expect(nurse.errors).toEqual([]);
    await nurse.context.close();
  });
});
