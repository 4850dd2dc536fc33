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
import { eventually } from '../helpers/hub-client';
import { FakeClock } from '../helpers/fake-clock';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';

/**
 * Issue #16, "Phone (charge nurse)": two escalation alerts and the coverage warning must leave the
 * list most of an 844 px phone; the stacked banner's words say what each tap does; the Escalations
 * badge and the heading count are one number. Real relay (its clock injected, so acknowledge-by
 * deadlines pass in a moment), real Chromium, the production build.
 *
 * As in escalation-alerts.test.ts, the relay's clock starts in the past and is moved to the real now
 * when the test wants the escalations, so the browsers' countdowns agree with the relay.
 */

const MINUTE = 60_000;
const SIZES: ViewportName[] = ['phone', 'tablet', 'desktop'];
/** Screenshots to look at, outside the repository. */
const SHOTS = process.env.WARDLINE_SHOTS ?? '/tmp/shots-h16b';

const clock = new FakeClock(Date.now() - 11 * MINUTE);
let relay: TestRelay;
let browser: Browser;
let charge: Device;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

function result(id: string, title: string, bed: string, n: number, ackInMinutes: number) {
  return routed(id, 1, {
    kind: 'result-ack',
    title,
    priority: 'stat',
    candidateRoles: ['Nurse', 'ChargeNurse'],
    checklist: [],
    patient: { ref: `Patient/e2e-phone-${n}`, name: `Phonepatient ${n}`, mrn: `E2E-PH-${n}`, bed },
    ackBy: new Date(clock.now().getTime() + ackInMinutes * MINUTE).toISOString(),
  });
}

/** Pixels of the viewport's height covered by list rows (cards or table rows), overlaps counted once. */
function rowPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll('ul.cards > li, .tbody .tr')].map((el) =>
      el.getBoundingClientRect(),
    );
    const spans = rows
      .map((r) => [Math.max(0, r.top), Math.min(window.innerHeight, r.bottom)] as const)
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    // The rows' container clips them: only what is inside it is seen.
    const list = document.querySelector('.card-scroll, .tbody');
    const clip = list?.getBoundingClientRect();
    let covered = 0;
    let end = clip ? clip.top : 0;
    const bottom = clip ? Math.min(clip.bottom, window.innerHeight) : window.innerHeight;
    for (const [a, b] of spans) {
      const from = Math.max(a, end);
      const to = Math.min(b, bottom);
      if (to > from) covered += to - from;
      end = Math.max(end, to);
    }
    return covered;
  });
}

beforeAll(async () => {
  // The chain's own levels (charge nurse at the acknowledge-by time): who has which bed is not this file's subject.
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir'), ...chargeNurseFirstEnv() }, { clock });
  const ingest = await devToken(relay.url, 'integration-engine');
  // Two stat results that will escalate to the charge nurse, and a morning's ordinary 4W work.
  const work = Array.from({ length: 24 }, (_, i) =>
    routed(`e2e-phone-work-${i}`, 1, {
      kind: 'follow-up',
      title: `Follow-up ${i + 1}`,
      candidateRoles: ['Nurse', 'ChargeNurse'],
      checklist: [],
      patient: {
        ref: `Patient/e2e-pw-${i}`,
        name: `Workpatient ${i}`,
        mrn: `E2E-PW-${i}`,
        bed: `4W-${20 + i}`,
      },
      dueAt: new Date(Date.now() + (i + 1) * 30 * MINUTE).toISOString(),
    }),
  );
  const { status } = await postEvents(relay.url, ingest, [
    result('e2e-phone-glucose', 'Glucose 2.3 mmol/L', '4W-01', 1, 9),
    result('e2e-phone-sodium', 'Na+ 117 mmol/L', '4W-10', 2, 10),
    ...work,
  ]);
  expect(status).toBe(202);
  browser = await launchBrowser();
  charge = await openDevice(browser, relay.url, 'phone');
  await signIn(charge.page, 'H. Marchbank');
  await waitUntilLive(charge.page);
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

describe('[issue 16] a charge nurse’s phone keeps the list', () => {
  it('with nothing active, the unit queue gets most of the phone', async () => {
    const page = charge.page;
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^Unit queue/ })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Unit queue' }).waitFor();
    await page.locator('ul.cards > li').nth(5).waitFor();
    await shot(page, 'charge-queue-quiet-phone');
    const covered = await rowPixels(page);
    expect(covered, `${covered} px of 844 show rows`).toBeGreaterThanOrEqual(0.7 * 844);
  });

  it('two alerts stack into one banner whose words say what each tap does; the coverage warning is one line; the list keeps 60 % of the phone', async () => {
    const page = charge.page;
    // Ten minutes pass on the relay: both results escalate to the charge nurse of 4W, Na+ last.
    await clock.advance(Date.now() - clock.now().getTime());
    const banner = page.locator('.alert-stack');
    await banner.waitFor({ timeout: 10_000 });
    await page
      .getByRole('alert')
      .filter({ hasText: '2 escalations — 4W-10 Na+ 117 mmol/L, 4W-01 Glucose 2.3 mmol/L' })
      .waitFor({ timeout: 10_000 });
    // No link in the headline: the taps are buttons that say what they do.
    expect(await banner.locator('.alert-headline a').count()).toBe(0);
    const acknowledge = banner.getByRole('button', { name: 'Acknowledge Na+ 117 mmol/L' });
    expect(await acknowledge.textContent()).toBe('Acknowledge 4W-10');
    await banner.getByRole('button', { name: 'Show all 2' }).waitFor();

    // The coverage warning: one line (the house supervisor and care coordinator are not signed in).
    const warning = page.locator('.coverage-warning');
    await warning.waitFor({ timeout: 30_000 });
    const line = await warning.boundingBox();
    expect(line!.height).toBeLessThanOrEqual(48);

    await page.locator('ul.cards > li').nth(5).waitFor();
    await shot(page, 'charge-queue-alerts-phone');
    const covered = await rowPixels(page);
    expect(covered, `${covered} px of 844 show rows`).toBeGreaterThanOrEqual(0.6 * 844);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await smallTargets(page)).toEqual([]);
  });

  it('"Show all" opens every alert with its own Acknowledge and Open task; the warning opens its detail', async () => {
    const page = charge.page;
    await page.getByRole('button', { name: 'Show all 2' }).click();
    const all = page.locator('#alert-all');
    await all.getByRole('link', { name: 'Open Glucose 2.3 mmol/L' }).waitFor();
    await all.getByRole('button', { name: 'Acknowledge Na+ 117 mmol/L' }).waitFor();
    await page.locator('.coverage-toggle').click();
    await page.locator('#coverage-detail li', { hasText: 'house supervisor (hospital-wide)' }).waitFor();
    await shot(page, 'charge-alerts-all-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await smallTargets(page)).toEqual([]);
    await page.getByRole('button', { name: 'Show fewer' }).click();
    await page.locator('.coverage-toggle').click();
  });

  it('the Escalations badge and the heading count the same thing, by one rule', async () => {
    const page = charge.page;
    const nav = page.getByRole('navigation', { name: 'Views' });
    await nav.getByRole('link', { name: /^Escalations/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Escalations' }).waitFor();
    await page.locator('.count', { hasText: '2 tasks · 2 not acknowledged' }).waitFor();
    expect(
      await nav
        .getByRole('link', { name: /^Escalations/ })
        .locator('.nav-count')
        .textContent(),
    ).toBe('2 not acknowledged');
    // The bottom bar holds every view of a charge nurse, none cut short.
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.app-nav .nav-label')]
        .filter((el) => {
          // The words as laid out, ellipsis or not, against the box that shows them.
          const shown = el.querySelector<HTMLElement>('.label-short') ?? el;
          const range = document.createRange();
          range.selectNodeContents(shown);
          return range.getBoundingClientRect().width > el.getBoundingClientRect().width + 0.5;
        })
        .map((el) => el.textContent),
    );
    expect(cut).toEqual([]);
    const bar = await page.evaluate(() => {
      const ul = document.querySelector('.app-nav ul')!;
      return { scroll: ul.scrollWidth, client: ul.clientWidth };
    });
    expect(bar.scroll).toBeLessThanOrEqual(bar.client);
    await shot(page, 'charge-escalations-phone');
  });

  it('Acknowledge acknowledges the newest: the banner goes back to the one left, badge and heading follow', async () => {
    const page = charge.page;
    await page.locator('.alert-stack').getByRole('button', { name: 'Acknowledge Na+ 117 mmol/L' }).click();
    await page.locator('.alert-stack').waitFor({ state: 'detached', timeout: 10_000 });
    const single = page.locator('.alert-banner');
    await single
      .getByRole('alert')
      .filter({ hasText: 'Level 1 escalation on 4W — Glucose 2.3 mmol/L' })
      .waitFor();
    await page.locator('.count', { hasText: '2 tasks · 1 not acknowledged' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Views' });
    expect(
      await nav
        .getByRole('link', { name: /^Escalations/ })
        .locator('.nav-count')
        .textContent(),
    ).toBe('1 not acknowledged');
    // The screen answers from the outbox at once; the relay has it when the send lands.
    await eventually(
      async () =>
        (await relay.relay.store.getTask('e2e-phone-sodium'))?.acknowledgedBy?.id === 'charge-4w-marchbank',
      20_000,
    );
    expect((await relay.relay.store.getTask('e2e-phone-glucose'))?.acknowledgedAt).toBeNull();
  });

  it('the coverage warning can be dismissed until it changes; every size is clean', async () => {
    const page = charge.page;
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.locator('.coverage-warning').waitFor({ state: 'detached' });
    for (const size of SIZES) {
      await page.setViewportSize(VIEWPORTS[size]);
      await page
        .getByRole('navigation', { name: 'Views' })
        .getByRole('link', { name: /^Unit queue/ })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Unit queue' }).waitFor();
      await shot(page, `charge-queue-${size}`);
      expect(await seriousA11yViolations(page), size).toEqual([]);
      if (size !== 'desktop') expect(await smallTargets(page), size).toEqual([]);
    }
    await page.setViewportSize(VIEWPORTS.phone);
  });
});
