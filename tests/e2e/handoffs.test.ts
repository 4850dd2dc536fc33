import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  launchBrowser,
  openDevice,
  openUnitQueue,
  screenshot,
  seriousA11yViolations,
  signIn,
  smallTargets,
  waitUntilLive,
  VIEWPORTS,
  type Device,
  type ViewportName,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * Issue #19 in real Chromium against a real relay: three people at once. Nurse A (R. Okafor, tablet)
 * claims three discharges and ends her shift handing two to nurse B (D. Brightwater, tablet) with an
 * I-PASS note and one back to the queue with a note; B reads the note, accepts one and declines one
 * with a reason; A sees the decline; the 4W charge nurse's who-holds-what (phone) follows every step
 * live, without a reload. Then: sign-out and "End my shift" ask and "keep" changes nothing, and the
 * reassign picker offers exactly the eligible colleagues (docs/HANDOFFS.md).
 */

const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

function discharge(id: string, name: string, bed: string, dueInHours: number) {
  return routed(id, 1, {
    title: `Discharge home: bed ${bed.slice(3)}`,
    patient: { ref: `Patient/${id}`, name, mrn: `DEMO-${id.slice(-3)}`, bed },
    dueAt: soon(dueInHours),
  });
}

const P1 = { id: 'ho-e2e-101', name: 'Wilhelmina Thistlewood', bed: '4W-21' };
const P2 = { id: 'ho-e2e-102', name: 'Barnaby Quenneville', bed: '4W-22' };
const P3 = { id: 'ho-e2e-103', name: 'Ottoline Marchetti', bed: '4W-23' };
const P4 = { id: 'ho-e2e-104', name: 'Cornelius Abernathy', bed: '4W-24' };
const ALL = [P1, P2, P3, P4];
const DECLINE_REASON = 'I already have four discharges this evening';
const QUEUE_NOTE = 'Transport not booked yet; family arriving at 20:00';

let relay: TestRelay;
let browser: Browser;
let chargeToken: string;

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  const ingest = await devToken(relay.url, 'integration-engine');
  const events = ALL.map((p, i) => discharge(p.id, p.name, p.bed, 2 + i));
  expect((await postEvents(relay.url, ingest, events)).status).toBe(202);
  chargeToken = await devToken(relay.url, 'charge-4w-marchbank');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

interface HistoryEntry {
  change: string;
  actor: { id: string };
  detail: string | null;
}

async function historyOf(taskId: string): Promise<HistoryEntry[]> {
  const res = await fetch(`${relay.url}/api/tasks/${taskId}/history`, {
    headers: { authorization: `Bearer ${chargeToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: HistoryEntry[] }).entries;
}

async function openNav(page: Page, label: RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: label }).click();
}

/** The who-holds-what group of one holder (or "unclaimed"). */
function group(page: Page, holderId: string): Locator {
  return page.locator(`section.holder[data-holder-id="${holderId}"]`);
}

/** Waits until a holder's group on the board lists exactly these tasks. */
async function expectHolds(page: Page, holderId: string, taskIds: string[]): Promise<void> {
  const rows = group(page, holderId).locator('li[data-task-id]');
  await expect
    .poll(
      async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')))).sort(),
      {
        timeout: 15_000,
      },
    )
    .toEqual([...taskIds].sort());
}

describe('[issue 19] three people at once: end of shift, handover, answer, live board', () => {
  let nurseA: Device;
  let nurseB: Device;
  let charge: Device;

  beforeAll(async () => {
    nurseA = await openDevice(browser, relay.url, 'tablet');
    nurseB = await openDevice(browser, relay.url, 'tablet');
    charge = await openDevice(browser, relay.url, 'phone');
    await signIn(charge.page, 'H. Marchbank');
    await signIn(nurseB.page, 'D. Brightwater');
    await signIn(nurseA.page, 'R. Okafor');
    await Promise.all([nurseA, nurseB, charge].map((d) => waitUntilLive(d.page)));
    await openNav(charge.page, /^Who holds what/);
    await charge.page.getByRole('heading', { level: 1, name: 'Who holds what' }).waitFor();
  });

  it('[HO1][HO3][HO4][HO5][HO6][HS3][HS4][HS5] A hands two to B with a note and one to the queue; B accepts one and declines one; A and the board see it', async () => {
    const board = charge.page;
    await expectHolds(
      board,
      'unclaimed',
      ALL.map((p) => p.id),
    );
    await screenshot(board, 'holders-before-phone-390x844');
    expect(await seriousA11yViolations(board)).toEqual([]);
    expect(await smallTargets(board)).toEqual([]);

    // A claims three from the unit queue; the board moves them under her name, live.
    const a = nurseA.page;
    await openUnitQueue(a);
    for (const p of [P1, P2, P3]) {
      const card = a.locator(`li[data-task-id="${p.id}"]`);
      await card.getByRole('button', { name: /^Claim/ }).click();
      await card.waitFor({ state: 'detached' });
    }
    await expectHolds(board, 'nurse-okafor', [P1.id, P2.id, P3.id]);
    await expectHolds(board, 'unclaimed', [P4.id]);
    await group(board, 'nurse-okafor').getByText('On shift now').waitFor();
    await group(board, 'nurse-okafor').getByText('3 open').waitFor();

    // End my shift: everything she holds is listed and chosen; she leaves P3 out of the handover.
    await a.getByRole('link', { name: 'End my shift' }).click();
    await a.getByRole('heading', { level: 1, name: 'End my shift' }).waitFor();
    await a.getByText('You hold 3 tasks.').waitFor();
    await a.locator(`li[data-task-id="${P3.id}"]`).getByRole('checkbox').uncheck();
    await a.getByRole('button', { name: 'Hand to a colleague…' }).click();
    const picker = a.getByRole('list', { name: 'Colleagues who may take it' });
    await picker
      .getByRole('button', { name: /D\. Brightwater/ })
      .getByText('On shift now')
      .waitFor();
    await screenshot(a, 'end-shift-picker-tablet-820x1180');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await picker.getByRole('button', { name: /D\. Brightwater/ }).click();

    // One I-PASS note per patient: severity, summary and awareness; the action list is the tasks.
    const p1Note = a.getByRole('group', { name: new RegExp(P1.name) });
    await p1Note.getByRole('radio', { name: 'Watcher' }).check();
    await p1Note.getByLabel('Patient summary (one line)').fill('Day 3 after fall, mobilising with frame');
    await p1Note
      .getByLabel('Situation awareness and contingency')
      .fill('If K+ > 6 on recheck, call the registrar');
    await p1Note.getByText(/Discharge home: bed 21 · due/).waitFor();
    await a
      .getByRole('group', { name: new RegExp(P2.name) })
      .getByLabel('Patient summary (one line)')
      .fill('Waiting for pharmacy');
    await screenshot(a, 'end-shift-ipass-tablet-820x1180');
    expect(await seriousA11yViolations(a)).toEqual([]);
    expect(await smallTargets(a)).toEqual([]);
    await a.getByRole('button', { name: 'Hand over to D. Brightwater' }).click();

    // P3 is what is left: back to the unit queue, with a note.
    await a.getByText('You hold 1 task.').waitFor();
    await a.getByRole('button', { name: 'Back to the unit queue, with a note…' }).click();
    await a.getByLabel('Note for whoever claims it next (optional)').fill(QUEUE_NOTE);
    await a.getByRole('button', { name: 'Return it to the unit queue' }).click();
    await a.getByText('Everything you held is handed on or waiting for an answer.').waitFor();
    const waiting = a.locator('.held-list li');
    await waiting.filter({ hasText: 'Being handed to D. Brightwater' }).nth(1).waitFor();
    await screenshot(a, 'end-shift-done-tablet-820x1180');

    // The board: still hers until accepted (never in limbo), P3 unclaimed again.
    await expectHolds(board, 'nurse-okafor', [P1.id, P2.id]);
    await expectHolds(board, 'unclaimed', [P3.id, P4.id]);
    await group(board, 'nurse-okafor').getByText('Being handed to D. Brightwater').first().waitFor();

    // B finds both in My work, reads the note, accepts P1 with a synthesis.
    const b = nurseB.page;
    await openNav(b, /^My work/);
    const incoming = b.locator(`li[data-task-id="${P1.id}"]`);
    await incoming.getByText(/Handed over by R\. Okafor at \d\d:\d\d/).waitFor();
    await incoming.locator('a').first().click();
    const offer = b.locator('.handover-incoming');
    await offer.getByRole('heading', { name: /Handed over by R\. Okafor at \d\d:\d\d/ }).waitFor();
    await offer.getByText('Watcher').waitFor();
    await offer.getByText('If K+ > 6 on recheck, call the registrar').waitFor();
    await offer.getByText('Day 3 after fall, mobilising with frame').waitFor();
    await screenshot(b, 'handover-incoming-tablet-820x1180');
    expect(await seriousA11yViolations(b)).toEqual([]);
    await offer.getByLabel('Your synthesis (optional)').fill('Recheck K+ at 21:00, registrar if > 6');
    await offer.getByRole('button', { name: 'I have it' }).click();
    await b.getByText(/D\. Brightwater took it over from R\. Okafor at \d\d:\d\d/).waitFor();

    // …and declines P2 with a reason (a reason is required).
    await openNav(b, /^My work/);
    await b.locator(`li[data-task-id="${P2.id}"] a`).first().click();
    await b.locator('.handover-incoming').getByRole('button', { name: 'Decline…' }).click();
    const declineButton = b.getByRole('button', { name: 'Decline', exact: true });
    expect(await declineButton.isDisabled()).toBe(true);
    await b.getByLabel('Why can you not take it?').fill(DECLINE_REASON);
    await declineButton.click();
    await b.locator(`li[data-task-id="${P2.id}"]`).waitFor({ state: 'detached' });

    // A sees the decline and its reason; P2 is hers again to decide.
    await a
      .locator(`li[data-task-id="${P2.id}"]`)
      .getByText(`Declined by D. Brightwater: ${DECLINE_REASON}`)
      .waitFor();
    await a.getByText('You hold 1 task.').waitFor();

    // The board followed, without a reload.
    await expectHolds(board, 'nurse-brightwater', [P1.id]);
    await expectHolds(board, 'nurse-okafor', [P2.id]);
    await expectHolds(board, 'unclaimed', [P3.id, P4.id]);
    await screenshot(board, 'holders-after-phone-390x844');
    expect(charge.urls.some((u) => u.endsWith('/holders'))).toBe(true);

    // The history names each step; the queue note is a comment for whoever claims P3 next.
    expect((await historyOf(P1.id)).map((e) => e.change)).toEqual(
      expect.arrayContaining(['handover-offered', 'handover-accepted']),
    );
    expect((await historyOf(P2.id)).filter((e) => e.change === 'handover-declined')).toHaveLength(1);
    expect((await historyOf(P3.id)).map((e) => e.change)).toContain('released');

    // No patient data in any URL or title, and nothing printed.
    for (const device of [nurseA, nurseB, charge]) {
      const title = await device.page.title();
      for (const p of ALL) {
        expect(title).not.toContain(p.name);
        for (const url of device.urls) expect(decodeURIComponent(url)).not.toContain(p.name);
        for (const line of device.console) expect(line).not.toContain(p.name);
      }
      expect(device.errors).toEqual([]);
    }
  });

  it('[HO1][HS4] sign-out while holding work lists it and asks; "keep" keeps it and changes nothing', async () => {
    const a = nurseA.page;
    const before = await historyOf(P2.id);
    await a.getByRole('button', { name: 'Sign out', exact: true }).click();
    const ask = a.getByRole('dialog', { name: 'You still hold 1 task' });
    await ask.getByText(P2.name).waitFor();
    await ask.getByRole('button', { name: 'Hand it to a colleague…' }).waitFor();
    await ask.getByRole('button', { name: 'Return it to the unit queue…' }).waitFor();
    await screenshot(a, 'sign-out-ask-tablet-820x1180');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await ask.getByRole('button', { name: 'Keep it and sign out' }).click();
    await a.getByRole('button', { name: /^R\. Okafor\b/ }).waitFor();
    expect(await historyOf(P2.id)).toEqual(before);

    // "End my shift" asks the same way; keeping signs her out and leaves the task as it was.
    await signIn(a, 'R. Okafor');
    await waitUntilLive(a);
    await a.getByRole('link', { name: 'End my shift' }).click();
    await a.locator(`li[data-task-id="${P2.id}"]`).waitFor();
    await a.getByRole('button', { name: 'Keep it and sign out' }).click();
    await a.getByRole('button', { name: /^R\. Okafor\b/ }).waitFor();
    expect(await historyOf(P2.id)).toEqual(before);
  });

  it('[HO2][HS1][HS2] the reassign picker offers exactly the eligible colleagues, filters as she types, and a nurse has none', async () => {
    const desk = await openDevice(browser, relay.url, 'desktop');
    try {
      await signIn(desk.page, 'H. Marchbank');
      await waitUntilLive(desk.page);
      await desk.page.goto(`/tasks/${P2.id}`);
      await desk.page.getByRole('heading', { level: 1, name: 'Discharge home: bed 22' }).waitFor();
      // A key opens the picker on a desktop.
      await desk.page.keyboard.press('g');
      const picker = desk.page.getByRole('list', { name: 'Colleagues who may take it' });
      await picker.getByRole('button').first().waitFor();
      const offered = await picker
        .locator('[data-colleague-id]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-colleague-id')).sort());
      // 4W's other nurse, the coordinator and the house supervisor (both lead discharges on 4W); never the
      // owner, the charge nurse herself, a 5E or ICU nurse, another unit's charge nurse or the admin.
      expect(offered).toEqual(['coordinator-sorrel', 'nurse-brightwater', 'supervisor-achterberg']);
      await screenshot(desk.page, 'reassign-picker-desktop-1440x900');
      expect(await seriousA11yViolations(desk.page)).toEqual([]);
      await desk.page.getByLabel('Reassign to').fill('bright');
      await expect.poll(() => picker.locator('[data-colleague-id]').count()).toBe(1);
      await desk.page.keyboard.press('Enter');
      await desk.page.getByText(/^D\. Brightwater, since \d\d:\d\d$/).waitFor();
      // The screen shows it at once (the page knows her); the relay's history follows.
      await expect
        .poll(async () => (await historyOf(P2.id)).at(-1), { timeout: 15_000 })
        .toMatchObject({ change: 'reassigned', actor: { id: 'charge-4w-marchbank' } });

      // A nurse is offered no Reassign, on the task or by key.
      const b = nurseB.page;
      await b.goto(`/tasks/${P2.id}`);
      await b.getByRole('heading', { name: 'Discharge home: bed 22' }).waitFor();
      await b.getByRole('button', { name: 'Hand over…' }).waitFor();
      expect(await b.getByRole('button', { name: /^Reassign/ }).count()).toBe(0);
      await b.keyboard.press('g');
      expect(await b.getByRole('list', { name: 'Colleagues who may take it' }).count()).toBe(0);
    } finally {
      await desk.context.close();
    }
  });

  it.each(['phone', 'tablet', 'desktop'] as ViewportName[])(
    '[HS2][HS4][HS5] the new views at %s size: no serious axe violation, 44 px targets, no patient in the title',
    async (size) => {
      const { width, height } = VIEWPORTS[size];
      const check = async (device: Device, name: string) => {
        await screenshot(device.page, `${name}-${size}-${width}x${height}`);
        expect(await seriousA11yViolations(device.page), `${name} at ${size}`).toEqual([]);
        if (size !== 'desktop') expect(await smallTargets(device.page), `${name} at ${size}`).toEqual([]);
        const title = await device.page.title();
        for (const p of ALL) expect(title).not.toContain(p.name);
      };
      // D. Brightwater holds P1 and P2 by now: her end of shift, and its picker.
      const nurse = await openDevice(browser, relay.url, size);
      try {
        await signIn(nurse.page, 'D. Brightwater');
        await waitUntilLive(nurse.page);
        await nurse.page.getByRole('link', { name: 'End my shift' }).click();
        await nurse.page.getByText('You hold 2 tasks.').waitFor();
        await check(nurse, 'end-shift');
        await nurse.page.getByRole('button', { name: 'Hand to a colleague…' }).click();
        await nurse.page.getByRole('button', { name: /R\. Okafor/ }).waitFor();
        await check(nurse, 'end-shift-picker');
      } finally {
        await nurse.context.close();
      }
      const lead = await openDevice(browser, relay.url, size);
      try {
        await signIn(lead.page, 'H. Marchbank');
        await waitUntilLive(lead.page);
        await openNav(lead.page, /^Who holds what/);
        await expectHolds(lead.page, 'nurse-brightwater', [P1.id, P2.id]);
        await check(lead, 'holders');
        await group(lead.page, 'nurse-brightwater').getByRole('checkbox').first().check();
        await lead.page.getByRole('button', { name: 'Reassign to…' }).click();
        await lead.page.getByRole('button', { name: /R\. Okafor/ }).waitFor();
        await check(lead, 'holders-reassign');

        // [HS1] On the task: a phone keeps Reassign in "More actions", larger screens show it.
        await lead.page.goto(`/tasks/${P1.id}`);
        await lead.page.getByRole('heading', { name: 'Discharge home: bed 21' }).waitFor();
        if (size === 'phone') await lead.page.getByText('More actions').click();
        await lead.page.getByRole('button', { name: /^Reassign…/ }).click();
        await lead.page.getByRole('button', { name: /R\. Okafor/ }).waitFor();
        await check(lead, 'task-reassign');
      } finally {
        await lead.context.close();
      }
    },
  );
});
