import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  launchBrowser,
  openDevice,
  screenshot,
  seriousA11yViolations,
  signIn,
  waitUntilLive,
  type Device,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { goOffline, goOnlineAndDrain } from '../helpers/offline';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * Issue #19, offline and acknowledged results, in real Chromium against a real relay: a handover offer
 * and an accept made offline are applied once when back online (docs/SYNC.md, docs/HANDOFFS.md HO8);
 * an offline offer of a task the charge nurse reassigned meanwhile becomes one Needs-attention entry
 * naming the new owner; an acknowledged result has an owner and says who acknowledged it and when,
 * never "Overdue", on the card, in the table and on the task (HO9).
 */

const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

const Q1 = { id: 'ho-off-201', name: 'Peregrine Lockhart', bed: '4W-31' };
const Q2 = { id: 'ho-off-202', name: 'Millicent Fairweather', bed: '4W-32' };
const R1 = { id: 'ho-off-301', name: 'Ambrose Kettleworth', bed: '4W-33' };
const Q3 = { id: 'ho-off-203', name: 'Theodora Blackwood', bed: '4W-34' };

/** The shortest wait the relay allows, so the test sees the charge nurse's alert within minutes. */
const HANDOVER_ACCEPT_MINUTES = 1;

function discharge(p: typeof Q1, dueInHours: number) {
  return routed(p.id, 1, {
    title: `Discharge home: bed ${p.bed.slice(3)}`,
    patient: { ref: `Patient/${p.id}`, name: p.name, mrn: `DEMO-${p.id.slice(-3)}`, bed: p.bed },
    dueAt: soon(dueInHours),
  });
}

/** A critical result whose acknowledge-by time passed ten minutes ago: overdue until acknowledged. */
const result = routed(R1.id, 1, {
  kind: 'result-ack',
  title: 'K+ 6.2 mmol/L',
  priority: 'stat',
  candidateRoles: ['Nurse', 'ChargeNurse'],
  checklist: [],
  patient: { ref: `Patient/${R1.id}`, name: R1.name, mrn: 'DEMO-301', bed: R1.bed },
  ackBy: new Date(Date.now() - 10 * 60_000).toISOString(),
});

let relay: TestRelay;
let browser: Browser;
let chargeToken: string;
let okafor: WorklistClient;
let charge: WorklistClient;

beforeAll(async () => {
  relay = await startTestRelay({
    STATIC_DIR: inject('pwaDir'),
    HANDOVER_ACCEPT_MINUTES: String(HANDOVER_ACCEPT_MINUTES),
  });
  const ingest = await devToken(relay.url, 'integration-engine');
  expect(
    (await postEvents(relay.url, ingest, [discharge(Q1, 2), discharge(Q2, 3), discharge(Q3, 4), result]))
      .status,
  ).toBe(202);
  chargeToken = await devToken(relay.url, 'charge-4w-marchbank');
  okafor = await connectAs(relay.url, 'nurse-okafor');
  charge = await connectAs(relay.url, 'charge-4w-marchbank');
  for (const q of [Q1, Q2, Q3]) expect((await okafor.execute(q.id, 'claim')).status).toBe('applied');
  browser = await launchBrowser();
});

afterAll(async () => {
  await okafor?.stop();
  await charge?.stop();
  await browser?.close();
  await relay?.stop();
});

async function changesOf(taskId: string): Promise<string[]> {
  const res = await fetch(`${relay.url}/api/tasks/${taskId}/history`, {
    headers: { authorization: `Bearer ${chargeToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: Array<{ change: string }> }).entries.map((e) => e.change);
}

describe('[issue 19] handovers offline, and acknowledged results', () => {
  let nurseA: Device;
  let nurseB: Device;

  beforeAll(async () => {
    nurseA = await openDevice(browser, relay.url, 'tablet');
    nurseB = await openDevice(browser, relay.url, 'tablet');
    await signIn(nurseB.page, 'D. Brightwater');
    await signIn(nurseA.page, 'R. Okafor');
    await Promise.all([nurseA, nurseB].map((d) => waitUntilLive(d.page)));
  });

  it('[HO8][S15][HS2] an offer and an accept made offline are applied once; an offer of work reassigned meanwhile is one Needs-attention entry naming the new owner', async () => {
    const a = nurseA.page;
    // She looked at who is on shift while online (the picker keeps that list in the page's memory).
    await a.goto(`/my-work/${Q1.id}`);
    await a.getByRole('button', { name: 'Hand over…' }).click();
    await a.getByRole('button', { name: 'Hand to a colleague…' }).click();
    await a.getByRole('button', { name: /D\. Brightwater/ }).waitFor();
    await a.getByRole('button', { name: 'Cancel' }).click(); // the picker
    await a.getByRole('button', { name: 'Cancel' }).click(); // the handover

    await goOffline(nurseA);
    for (const q of [Q1, Q2]) {
      await a.locator(`li[data-task-id="${q.id}"] a`).first().click();
      await a.getByRole('heading', { name: `Discharge home: bed ${q.bed.slice(3)}` }).waitFor();
      await a.getByRole('button', { name: 'Hand over…' }).click();
      await a.getByRole('button', { name: 'Hand to a colleague…' }).click();
      await a.getByText(/Offline: colleagues as of \d\d:\d\d/).waitFor();
      await a.getByRole('button', { name: /D\. Brightwater/ }).click();
      await a.getByLabel('Note', { exact: true }).fill(`Offline handover of ${q.bed}`);
      await a.getByRole('button', { name: 'Hand over to D. Brightwater' }).click();
    }
    // Meanwhile the charge nurse gives Q2 to the coordinator.
    expect((await charge.execute(Q2.id, 'reassign', { to: { id: 'coordinator-sorrel' } })).status).toBe(
      'applied',
    );

    await goOnlineAndDrain(nurseA);
    const notices = a.getByRole('region', { name: 'Needs attention' }).locator('.notice');
    await notices
      .first()
      .getByText(/now held by M\. Sorrel/)
      .waitFor();
    expect(await notices.count()).toBe(1);
    await screenshot(a, 'handover-offline-refused-tablet-820x1180');
    expect((await changesOf(Q1.id)).filter((c) => c === 'handover-offered')).toHaveLength(1);
    expect(await changesOf(Q2.id)).not.toContain('handover-offered');

    // B sees the offer, goes offline, accepts; back online it is applied once and Q1 is hers.
    const b = nurseB.page;
    await b.goto(`/my-work/${Q1.id}`);
    await b.locator('.handover-incoming').getByText(`Offline handover of ${Q1.bed}`).waitFor();
    await goOffline(nurseB);
    await b.getByRole('button', { name: 'I have it' }).click();
    await goOnlineAndDrain(nurseB);
    await b.getByText(/D\. Brightwater took it over from R\. Okafor at \d\d:\d\d/).waitFor();
    expect((await changesOf(Q1.id)).filter((c) => c === 'handover-accepted')).toHaveLength(1);
    // A's screen: Q1 left her work.
    await a.locator(`li[data-task-id="${Q1.id}"]`).waitFor({ state: 'detached' });
  });

  it('[HO9][HS6] an acknowledged result has an owner and says who acknowledged it and when, never Overdue: card, table, task', async () => {
    const desk = await openDevice(browser, relay.url, 'desktop');
    const phone = await openDevice(browser, relay.url, 'phone');
    try {
      await signIn(desk.page, 'H. Marchbank');
      await waitUntilLive(desk.page);
      await desk.page.goto(`/tasks/${R1.id}`);
      await desk.page.locator('.task-header').getByText('Overdue').waitFor();
      await desk.page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
      const said = /Acknowledged by H\. Marchbank at \d\d:\d\d$/;

      // The task: who and when, an owner, and no Overdue.
      await desk.page.locator('.task-header').getByText(said).waitFor();
      await desk.page.getByText(/^H\. Marchbank, since \d\d:\d\d$/).waitFor();
      expect(await desk.page.locator('.task-header').getByText('Overdue').count()).toBe(0);
      expect(await desk.page.getByText('Acknowledge by').count()).toBe(0);

      // The table (desktop My work): the same words in place of "Ack by … ago".
      await desk.page
        .getByRole('navigation', { name: 'Views' })
        .getByRole('link', { name: /^My work/ })
        .click();
      const row = desk.page.locator(`.tbody [data-task-id="${R1.id}"]`);
      await row.getByText(said).waitFor();
      expect(await row.getByText('Overdue').count()).toBe(0);
      await screenshot(desk.page, 'acknowledged-table-desktop-1440x900');
      expect(await seriousA11yViolations(desk.page)).toEqual([]);

      // The card (her phone).
      await signIn(phone.page, 'H. Marchbank');
      await waitUntilLive(phone.page);
      await phone.page
        .getByRole('navigation', { name: 'Views' })
        .getByRole('link', { name: /^My work/ })
        .click();
      const card = phone.page.locator(`li[data-task-id="${R1.id}"]`);
      await card.getByText(said).waitFor();
      expect(await card.getByText('Overdue').count()).toBe(0);
      await screenshot(phone.page, 'acknowledged-card-phone-390x844');
      expect(await changesOf(R1.id)).toContain('acknowledged');
    } finally {
      await desk.context.close();
      await phone.context.close();
    }
  });

  it('[HO7][HS7] an offer nobody answers in time alerts the charge nurse’s phone, not the nurse, and the alert leaves once it is answered', async () => {
    const phone = await openDevice(browser, relay.url, 'phone');
    let brightwater: WorklistClient | undefined;
    try {
      await signIn(phone.page, 'H. Marchbank');
      await waitUntilLive(phone.page);
      const offered = await okafor.execute(Q3.id, 'handover.offer', { to: { id: 'nurse-brightwater' } });
      expect(offered.status).toBe('applied');

      const banner = phone.page.locator('.alert-handover');
      await banner.getByText('Handover not accepted on 4W').waitFor({ timeout: 150_000 });
      await banner
        .getByText(/R\. Okafor offered it to D\. Brightwater at \d\d:\d\d; nobody has answered/)
        .waitFor();
      await screenshot(phone.page, 'handover-alert-phone-390x844');
      expect(await seriousA11yViolations(phone.page)).toEqual([]);
      // Never to a nurse: B, the receiver, has no such banner.
      expect(await nurseB.page.locator('.alert-handover').count()).toBe(0);

      brightwater = await connectAs(relay.url, 'nurse-brightwater');
      expect((await brightwater.execute(Q3.id, 'handover.accept', {})).status).toBe('applied');
      await banner.waitFor({ state: 'detached' });
    } finally {
      await brightwater?.stop();
      await phone.context.close();
    }
  });
});
