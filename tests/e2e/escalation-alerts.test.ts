import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  openDevice,
  screenshot,
  signIn,
  waitUntilLive,
  type Device,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { eventually } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';

/**
 * Issue #9's screens, in real Chromium against a real relay serving the production build, with the
 * relay's clock injected so a 10-minute acknowledge-by passes in a moment. Rules: docs/ESCALATIONS.md.
 *
 * The relay's clock starts eleven minutes in the past and is moved to the real time when the test wants
 * the escalation: the browsers' own clocks then agree with the relay's, so the countdown they show can
 * be checked against the relay's deadline.
 */

const MINUTE = 60_000;
const TASK = 'e2e-esc-potassium';
const TITLE = 'Potassium 6.1 mmol/L';
const PATIENT = { ref: 'Patient/e2e-esc-1', name: 'Wilhelmina Thornbury', mrn: 'E2E-ESC-0001', bed: '4W-12' };
/** What must never be in a page's title or URL. */
const SECRETS = [PATIENT.name, ...PATIENT.name.split(' '), PATIENT.mrn, PATIENT.ref];

const clock = new FakeClock(Date.now() - 11 * MINUTE);
let relay: TestRelay;
let browser: Browser;
let charge: Device;
let nurse: Device;
let coordinator: Device;

/** Counts what the page asks of the speaker and the vibration motor. */
async function recordAlarm(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __tones: number; __vibrations: number[][] };
    w.__tones = 0;
    w.__vibrations = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
      w.__tones++;
      return start.apply(this, args);
    };
    Object.defineProperty(navigator, 'vibrate', {
      configurable: true,
      value: (pattern: number | Iterable<number>) => {
        w.__vibrations.push(typeof pattern === 'number' ? [pattern] : [...pattern]);
        return true;
      },
    });
  });
}

function alarmCalls(page: Page): Promise<{ tones: number; vibrations: number[][] }> {
  return page.evaluate(() => {
    const w = window as unknown as { __tones: number; __vibrations: number[][] };
    return { tones: w.__tones, vibrations: w.__vibrations };
  });
}

/** Polls an async check (the helpers' `eventually` takes sync checks: a Promise is always truthy). */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** "m:ss" or "h:mm:ss" → ms. */
function parseCountdown(text: string): number {
  const parts = text.split(':').map(Number);
  return parts.reduce((acc, n) => acc * 60 + n, 0) * 1_000;
}

async function viewByNav(page: Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('link', { name: new RegExp(`^${name}`) })
    .click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

beforeAll(async () => {
  // The charge-nurse-first chain: these screens are told on it (the assigned nurse's level: ASSIGNMENTS.md).
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir'), ...chargeNurseFirstEnv() }, { clock });
  const ingest = await devToken(relay.url, 'integration-engine');
  const { status } = await postEvents(relay.url, ingest, [
    routed(TASK, 1, {
      kind: 'result-ack',
      title: TITLE,
      priority: 'stat',
      // Routed to the unit's nurses and its coordinator, so both see it; the policy tells the charge nurse.
      candidateRoles: ['Nurse', 'ChargeNurse', 'Coordinator'],
      checklist: [],
      patient: PATIENT,
      ackBy: new Date(clock.now().getTime() + 10 * MINUTE).toISOString(),
    }),
  ]);
  expect(status).toBe(202);
  browser = await launchBrowser();
  charge = await openDevice(browser, relay.url, 'phone');
  nurse = await openDevice(browser, relay.url, 'tablet');
  coordinator = await openDevice(browser, relay.url, 'desktop');
  await recordAlarm(charge.page);
  await signIn(charge.page, 'H. Marchbank');
  await signIn(nurse.page, 'R. Okafor');
  await signIn(coordinator.page, 'M. Sorrel');
  await Promise.all([charge, nurse, coordinator].map((d) => waitUntilLive(d.page)));
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

describe('[issue 9] a charge nurse’s phone: the alert, its countdown, one tap, and it stops everywhere', () => {
  it('[E6][E5][E3] the stat result escalates: her phone shows the alert live, counting down to level 2', async () => {
    const page = charge.page;
    await page.getByRole('heading', { level: 1, name: 'Escalations' }).waitFor();
    // The nurse watches the unit queue, the coordinator the task itself.
    await viewByNav(nurse.page, 'Unit queue');
    await nurse.page.locator(`li[data-task-id="${TASK}"]`).waitFor();
    await viewByNav(coordinator.page, 'Unit queue');
    await coordinator.page.locator(`.tbody [data-task-id="${TASK}"] a.row-link`).click();
    await coordinator.page.getByRole('heading', { name: TITLE }).waitFor();

    // Ten minutes pass on the relay (and the 2 s in which one patient's results are gathered).
    await clock.advance(Date.now() - clock.now().getTime());
    const fired = (await relay.relay.store.auditTrail(TASK)).filter((e) => e.change === 'escalated');
    expect(fired).toHaveLength(1);

    const banner = page.locator('.alert-banner');
    await banner.waitFor({ timeout: 10_000 });
    expect(await page.getByRole('alert').first().textContent()).toContain(
      `Level 1 escalation on 4W — Acknowledge ${TITLE}`,
    );
    expect(await banner.getByRole('link', { name: `Acknowledge ${TITLE}` }).getAttribute('href')).toBe(
      `/tasks/${TASK}`,
    );
    await banner.getByText('Bed 4W-12').waitFor();
    await banner
      .getByText('Why you: Level 1 of the critical-result policy goes to the charge nurse of 4W.')
      .waitFor();

    // The countdown agrees with the relay's deadline for level 2, and ticks.
    const nextAt = Date.parse((await relay.relay.store.getTask(TASK))!.escalation.nextAt!);
    const countdown = banner.locator('.countdown');
    const first = (await countdown.textContent()) ?? '';
    const shownAt = Date.now();
    expect(first).toMatch(/^Level 2 in \d+:\d\d$/);
    const shownMs = parseCountdown(first.replace('Level 2 in ', ''));
    expect(Math.abs(shownMs - (nextAt - shownAt))).toBeLessThan(3_000);
    await until(async () => (await countdown.textContent()) !== first, 3_000);

    // It rang: a WebAudio tone and a vibration, once.
    await until(async () => (await alarmCalls(page)).tones > 0, 3_000);
    const calls = await alarmCalls(page);
    expect(calls.vibrations).toHaveLength(1);
    expect(await page.locator('.alert-banners').getAttribute('data-sound')).toBe('played');

    // Her escalations list: the card counts down too, and says who is next.
    const card = page.locator(`li[data-task-id="${TASK}"]`);
    await card.getByText(/^Level 2 in \d+:\d\d$/).waitFor();
    await card.getByText('If nobody acknowledges it by').waitFor();
    expect(await card.textContent()).toContain('level 2 goes to the house supervisor');
    // The nurse's queue card and the coordinator's task show it escalating.
    await nurse.page.locator(`li[data-task-id="${TASK}"] .escalation-tag.is-running`).waitFor();
    await coordinator.page
      .getByText('Escalated to: Level 1 of the critical-result policy goes to the charge nurse of 4W.')
      .waitFor();
    await coordinator.page.locator('.facts .countdown', { hasText: /^Level 2 in / }).waitFor();

    await screenshot(page, 'escalation-alert-phone');
  });

  it('[E4][HO9] one tap acknowledges: the alert goes, the charge nurse owns it, and the nurse’s and coordinator’s screens show it', async () => {
    const page = charge.page;
    await page
      .locator('.alert-banner')
      .getByRole('button', { name: `Acknowledge ${TITLE}` })
      .click();
    await page.locator('.alert-banner').waitFor({ state: 'detached', timeout: 5_000 });
    await screenshot(page, 'escalation-acknowledged-phone');

    await eventually(
      async () => (await relay.relay.store.getTask(TASK))?.acknowledgedBy?.id === 'charge-4w-marchbank',
      5_000,
    );
    // [HO9] Acknowledging gave the result an owner, the charge nurse: it leaves the nurse's unit queue
    // (nobody else need pick it up), live.
    expect((await relay.relay.store.getTask(TASK))?.owner?.id).toBe('charge-4w-marchbank');
    await nurse.page.locator(`li[data-task-id="${TASK}"]`).waitFor({ state: 'detached', timeout: 5_000 });
    await coordinator.page
      .getByText(/Next: Stopped: acknowledged by H\. Marchbank at \d\d:\d\d\./)
      .waitFor({ timeout: 5_000 });
    expect(await coordinator.page.locator('.facts .countdown').count()).toBe(0);
    await screenshot(nurse.page, 'escalation-stopped-nurse-tablet');
    await screenshot(coordinator.page, 'escalation-stopped-coordinator');

    // Twenty more minutes: level 2 never fires.
    await clock.minutes(20);
    expect((await relay.relay.store.auditTrail(TASK)).map((e) => e.change)).toEqual([
      'routed',
      'escalated',
      'acknowledged',
    ]);
  });

  it('[E7][E9] silenced on this device: the next alert shows without a sound; push alerts are offered', async () => {
    const page = charge.page;
    await page.getByText('About', { exact: true }).click();
    const sound = page.getByRole('button', { name: /^Alert sound and vibration/ });
    expect(await sound.getAttribute('aria-pressed')).toBe('true');
    await sound.click();
    expect(await sound.textContent()).toBe('Alert sound and vibration: off');
    expect(await page.evaluate(() => localStorage.getItem('wardline:alerts-silenced'))).toBe('1');

    // Push needs a tap (the permission prompt) and a push service: headless Chromium has none, so the
    // browser refuses and the menu says so in words, rather than claiming the device is subscribed.
    await charge.context.grantPermissions(['notifications'], { origin: relay.url });
    await page.getByRole('button', { name: 'Get escalation alerts on this device' }).click();
    await page.locator('.push-answer', { hasText: 'This browser could not set up alerts.' }).waitFor();
    await page.getByText('About', { exact: true }).click();
    await page.getByRole('region', { name: 'About this device' }).waitFor({ state: 'hidden' });

    const before = await alarmCalls(page);
    const ingest = await devToken(relay.url, 'integration-engine');
    await postEvents(relay.url, ingest, [
      routed(`${TASK}-2`, 1, {
        kind: 'result-ack',
        title: 'Troponin 130 ng/L',
        priority: 'stat',
        candidateRoles: ['Nurse', 'ChargeNurse'],
        checklist: [],
        patient: { ref: 'Patient/e2e-esc-2', name: 'Bartholomew Quince', mrn: 'E2E-ESC-0002', bed: '4W-14' },
        ackBy: new Date(clock.now().getTime() + MINUTE).toISOString(),
      }),
    ]);
    await clock.minutes(1);
    await clock.advance(2_000);
    await page
      .getByRole('alert')
      .filter({ hasText: 'Acknowledge Troponin 130 ng/L' })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('.alert-banners').getAttribute('data-sound')).toBe('silenced');
    // [E10] Her phone lists the unacknowledged escalation above the one she acknowledged.
    await page.locator(`li[data-task-id="${TASK}-2"]`).waitFor();
    const cards = page.locator('ul.cards > li');
    expect(await cards.evaluateAll((items) => items.map((li) => li.getAttribute('data-task-id')))).toEqual([
      `${TASK}-2`,
      TASK,
    ]);
    expect(await alarmCalls(page)).toEqual(before);
    await screenshot(page, 'escalation-alert-silenced-phone');
  });

  it('no patient data in any page’s title or URL', async () => {
    for (const device of [charge, nurse, coordinator]) {
      const title = await device.page.title();
      const urls = [...device.urls, device.page.url()];
      for (const secret of SECRETS) {
        expect(title).not.toContain(secret);
        expect(urls.filter((u) => u.includes(encodeURIComponent(secret)) || u.includes(secret))).toEqual([]);
      }
    }
  });
});

describe('[E8] the coverage-gap warning', () => {
  it('shows the coordinator that 5E has no charge nurse, not the nurse; it goes when 5E’s signs in', async () => {
    const warning = coordinator.page.locator('.coverage-warning');
    await warning.waitFor({ timeout: 30_000 });
    expect(await warning.textContent()).toMatch(/charge nurse on [^;]*5E/);
    expect(await warning.textContent()).not.toMatch(/charge nurse on [^;]*4W/);
    expect(await nurse.page.locator('.coverage-warning').count()).toBe(0);
    await screenshot(coordinator.page, 'coverage-gap-coordinator');

    const fennimore = await openDevice(browser, relay.url, 'phone');
    try {
      await signIn(fennimore.page, 'E. Fennimore');
      await waitUntilLive(fennimore.page);
      // The next refresh (every 20 s) no longer lists 5E.
      await until(async () => !/charge nurse on [^;]*5E/.test((await warning.textContent()) ?? ''), 30_000);
    } finally {
      await fennimore.context.close();
    }
    expect(await nurse.page.locator('.coverage-warning').count()).toBe(0);
  });
});
