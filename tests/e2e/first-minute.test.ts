import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  openDevice,
  seriousA11yViolations,
  signIn,
  smallTargets,
  VIEWPORTS,
  waitUntilLive,
  type Device,
  type ViewportName,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * Issue #16, "First minute": the sign-in screen says what Wardline is and whom to try first; a nurse
 * with nothing claimed is one tap from the unit queue; an admin lands on the staff directory, finds a
 * nurse, moves her to 5E — and the nurse's open page follows at once (docs/HUB.md H5) — and reads her
 * access log in the app. Real relay, real Chromium.
 */

const SIZES: ViewportName[] = ['phone', 'tablet', 'desktop'];
const SHOTS = process.env.WARDLINE_SHOTS ?? '/tmp/shots-h16b';

let relay: TestRelay;
let browser: Browser;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

async function clean(page: Page, size: ViewportName): Promise<void> {
  expect(await seriousA11yViolations(page), size).toEqual([]);
  if (size !== 'desktop') expect(await smallTargets(page), size).toEqual([]);
}

function task(id: string, unit: string, bed: string) {
  return routed(id, 1, {
    kind: 'follow-up',
    title: `Follow-up ${id}`,
    unit,
    candidateRoles: ['Nurse'],
    checklist: [],
    patient: { ref: `Patient/${id}`, name: `Firstminute ${id}`, mrn: `FM-${id}`, bed },
  });
}

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  const ingest = await devToken(relay.url, 'integration-engine');
  const { status } = await postEvents(relay.url, ingest, [
    task('fm-4w-1', '4W', '4W-03'),
    task('fm-4w-2', '4W', '4W-04'),
    task('fm-5e-1', '5E', '5E-07'),
  ]);
  expect(status).toBe(202);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

describe('[issue 16] the first minute', () => {
  it('the sign-in screen says what Wardline is and whom to try first', async () => {
    const device = await openDevice(browser, relay.url, 'phone');
    try {
      for (const size of SIZES) {
        await device.page.setViewportSize(VIEWPORTS[size]);
        await device.page.goto('/');
        await device.page.getByText(/^Wardline is the ward’s shared worklist: /).waitFor();
        const suggestion = device.page.locator('.sign-in-suggest');
        await suggestion.waitFor();
        expect(await suggestion.textContent()).toMatch(/^New here\? Start as R\. Okafor, a nurse on 4W: /);
        await shot(device.page, `sign-in-${size}`);
        await clean(device.page, size);
      }
    } finally {
      await device.context.close();
    }
  });

  it('a nurse with nothing claimed is one tap from the unit queue', async () => {
    const nurse = await openDevice(browser, relay.url, 'phone');
    try {
      await signIn(nurse.page, 'D. Brightwater');
      await waitUntilLive(nurse.page);
      for (const size of SIZES) {
        await nurse.page.setViewportSize(VIEWPORTS[size]);
        await nurse.page.goto('/');
        await nurse.page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
        const hint = nurse.page.getByRole('link', { name: 'Claim work from the unit queue' });
        await hint.waitFor();
        await shot(nurse.page, `nurse-empty-my-work-${size}`);
        await clean(nurse.page, size);
        await hint.click();
        await nurse.page.getByRole('heading', { level: 1, name: 'Unit queue' }).waitFor();
        await nurse.page.locator('[data-task-id="fm-4w-1"]').first().waitFor();
      }
    } finally {
      await nurse.context.close();
    }
  });

  it('an admin lands on the staff directory: list, search, move a nurse to 5E — her open page follows at once — and her access log', async () => {
    // The nurse, on her own device, has opened a 4W task (an access record) and watches her queue.
    const nurse: Device = await openDevice(browser, relay.url, 'desktop');
    const admin: Device = await openDevice(browser, relay.url, 'desktop');
    try {
      await signIn(nurse.page, 'R. Okafor');
      await waitUntilLive(nurse.page);
      await nurse.page.goto('/tasks/fm-4w-1');
      await nurse.page.getByRole('heading', { name: 'Follow-up fm-4w-1' }).waitFor();
      await nurse.page
        .getByRole('navigation', { name: 'Views' })
        .getByRole('link', { name: /^Unit queue/ })
        .click();
      await nurse.page.locator('[data-task-id="fm-4w-2"]').first().waitFor();
      // A mark on this page's window: a reload would wipe it.
      await nurse.page.evaluate(() => Object.assign(window, { stillThisPage: true }));

      await signIn(admin.page, 'Demo Admin');
      const page = admin.page;
      await page.getByRole('heading', { level: 1, name: 'Staff directory' }).waitFor();
      const okafor = page.locator('[data-staff-id="nurse-okafor"]');
      await okafor.waitFor();
      expect(await okafor.locator('.staff-who').textContent()).toBe('R. OkaforNurse · 4W');
      // No integration account among the people.
      expect(await page.getByText('Integration engine').count()).toBe(0);
      for (const size of SIZES) {
        await page.setViewportSize(VIEWPORTS[size]);
        await shot(page, `admin-directory-${size}`);
        await clean(page, size);
      }
      await page.setViewportSize(VIEWPORTS.desktop);

      // Search by unit: only 5E's people remain.
      const search = page.getByRole('searchbox', { name: 'Search' });
      await search.fill('5E');
      await page.locator('[data-staff-id="nurse-quillon"]').waitFor();
      expect(await okafor.count()).toBe(0);
      await search.fill('okafor');
      await okafor.waitFor();
      expect(await page.locator('.staff-row').count()).toBe(1);

      // Move her to 5E: her open queue loses the 4W tasks and gains 5E's, without a reload.
      await okafor.getByRole('combobox', { name: 'Unit for R. Okafor' }).selectOption('5E');
      await okafor.getByRole('button', { name: 'Move R. Okafor to 5E' }).click();
      await okafor.getByText('R. Okafor now works on 5E.').waitFor();
      expect(await okafor.locator('.staff-who').textContent()).toBe('R. OkaforNurse · 5E');
      await nurse.page
        .locator('[data-task-id="fm-4w-2"]')
        .first()
        .waitFor({ state: 'detached', timeout: 10_000 });
      expect(await nurse.page.locator('[data-task-id="fm-4w-1"]').count()).toBe(0);
      // Her 5E work, on the same page (no reload): the relay told it her new units (H5), so the header
      // and the unit queue follow them.
      await nurse.page.locator('.my-role', { hasText: 'Nurse · 5E' }).waitFor({ timeout: 10_000 });
      await nurse.page.getByRole('heading', { level: 1, name: 'Unit queue' }).waitFor();
      await nurse.page.locator('[data-task-id="fm-5e-1"]').first().waitFor({ timeout: 10_000 });
      expect(await nurse.page.locator('.my-role', { hasText: '4W' }).count()).toBe(0);
      expect(await nurse.page.evaluate(() => 'stillThisPage' in window)).toBe(true);
      expect(nurse.errors).toEqual([]);

      // Her access log, in the app: the 4W task she opened.
      await okafor.getByRole('link', { name: 'Access log of R. Okafor' }).click();
      await page.getByRole('heading', { level: 1, name: 'Access log: nurse-okafor' }).waitFor();
      await page.getByRole('cell', { name: 'fm-4w-1' }).first().waitFor({ timeout: 10_000 });
      for (const size of SIZES) {
        await page.setViewportSize(VIEWPORTS[size]);
        await shot(page, `admin-access-log-${size}`);
        await clean(page, size);
      }
      expect(admin.errors).toEqual([]);
    } finally {
      await nurse.context.close();
      await admin.context.close();
    }
  });
});
