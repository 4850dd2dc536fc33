import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  freePort,
  launchBrowser,
  openDevice,
  screenshot,
  signIn,
  waitUntilLive,
  type Device,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { devToken, postEvents, RestartableRelay, startTestRelay, tempDir } from '../helpers/relay';

/**
 * Issue #5: the relay is stopped and started; the page says "Reconnecting", then catches up — with what
 * changed while it was away — without a reload. The relay runs as its own process on a fixed port and
 * data folder, as a restart in production would.
 */

const BEFORE = { id: 'e2e-restart-before', name: 'Hazel Brackenridge', bed: '4W-03' };
const WHILE_DOWN = { id: 'e2e-restart-while-down', name: 'Wren Cobblestone', bed: '4W-04' };

function followUp(task: typeof BEFORE) {
  return routed(task.id, 1, {
    kind: 'follow-up',
    title: 'Recheck blood pressure',
    candidateRoles: ['Nurse'],
    patient: { ref: `Patient/${task.id}`, name: task.name, mrn: 'DEMO-900100', bed: task.bed },
    checklist: [],
  });
}

let browser: Browser;
let relay: RestartableRelay;
const data = tempDir('wardline-e2e-restart-');

beforeAll(async () => {
  const port = await freePort();
  relay = new RestartableRelay({ PORT: String(port), DATA_DIR: data.path, STATIC_DIR: inject('pwaDir') });
  await relay.start();
  const { status } = await postEvents(relay.url, await devToken(relay.url, 'integration-engine'), [
    followUp(BEFORE),
  ]);
  expect(status).toBe(202);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
  data.remove();
});

describe('[issue 5] the relay restarts under an open page', () => {
  let nurse: Device;

  it('shows "Reconnecting", keeps the worklist on screen, then catches up without a reload', async () => {
    nurse = await openDevice(browser, relay.url, 'tablet');
    const page = nurse.page;
    await signIn(page, 'R. Okafor');
    await waitUntilLive(page);
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^Unit queue/ })
      .click();
    await page.locator(`li[data-task-id="${BEFORE.id}"]`).waitFor();
    // Marks this very document: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    await relay.stop();
    await page.locator('.link', { hasText: 'Reconnecting' }).waitFor({ timeout: 10_000 });
    // The device's copy stays on screen while the relay is away.
    expect(await page.locator(`li[data-task-id="${BEFORE.id}"]`).isVisible()).toBe(true);
    await screenshot(page, 'reconnecting-tablet-820x1180');

    // Work arrives while the relay is down for this page: another relay process on the same data
    // folder takes it in (on another port, which the page does not know), then stops.
    const meanwhile = await startTestRelay({ DATA_DIR: data.path });
    const accepted = await postEvents(meanwhile.url, await devToken(meanwhile.url, 'integration-engine'), [
      followUp(WHILE_DOWN),
    ]);
    expect(accepted.status).toBe(202);
    await meanwhile.stop();
    expect(await page.locator('.link', { hasText: 'Reconnecting' }).isVisible()).toBe(true);

    await relay.start();
    // SignalR's reconnect delays (0, 1, 2, 5, 10 s, with jitter) bound how soon it is back.
    await page.locator('.link-live').waitFor({ timeout: 30_000 });
    await page.locator(`li[data-task-id="${WHILE_DOWN.id}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator(`li[data-task-id="${BEFORE.id}"]`).isVisible()).toBe(true);
    expect(
      await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true);
    expect(await page.locator('.count').textContent()).toBe('2 tasks');
  });
});
