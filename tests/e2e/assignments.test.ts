import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  openDevice,
  screenshot,
  seriousA11yViolations,
  signIn,
  smallTargets,
  VIEWPORTS,
  waitUntilLive,
  type Device,
  type ViewportName,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { connectAs } from '../helpers/hub-client';
import { navigateInApp, readStore } from '../helpers/offline';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { shiftsAroundNow } from '../helpers/policies';

/**
 * Issue #15's screens (docs/ASSIGNMENTS.md, the PWA's rules A-P1…A-P7) in real Chromium against a real
 * relay serving the production build: the charge nurse assigns beds from her phone, the assigned nurse's
 * tablet marks her patients' work and rings once for a new stat result, the idle lock counts what waits
 * without naming anyone, and bed actions made offline are applied once or refused once.
 */

const MINUTE = 60_000;
/** Screenshots for people to look at, outside the repository. */
const SHOTS = '/tmp/shots-h15';
const BEDS = '4W=4W-01..4W-10;5E=5E-01..5E-04';
const P3 = { ref: 'Patient/e2e-as-3', name: 'Evangeline Quartermaine', mrn: 'E2E-AS-0003', bed: '4W-03' };
const P5 = { ref: 'Patient/e2e-as-5', name: 'Bartholomew Inchcape', mrn: 'E2E-AS-0005', bed: '4W-05' };
const DISCHARGE = 'e2e-as-discharge-3';
const STAT = 'e2e-as-stat-3';
const LOCKED_STAT = 'e2e-as-stat-5';

let relay: TestRelay;
let browser: Browser;
let charge: Device;
let okafor: Device;
let brightwater: Device;
let ingest: string;

/** Counts what the page asks of the speaker and the vibration motor. */
async function recordAlarm(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __tones: number; __vibrations: number };
    w.__tones = 0;
    w.__vibrations = 0;
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
      w.__tones++;
      return start.apply(this, args);
    };
    Object.defineProperty(navigator, 'vibrate', {
      configurable: true,
      value: () => {
        w.__vibrations++;
        return true;
      },
    });
  });
}

function rings(page: Page): Promise<{ tones: number; vibrations: number }> {
  return page.evaluate(() => {
    const w = window as unknown as { __tones: number; __vibrations: number };
    return { tones: w.__tones, vibrations: w.__vibrations };
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function openNav(page: Page, name: RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name }).click();
}

async function openBeds(page: Page): Promise<void> {
  await openNav(page, /^Beds/);
  await page.getByRole('heading', { level: 1, name: 'Beds' }).waitFor();
  await page.getByRole('list', { name: 'Beds on 4W' }).waitFor({ timeout: 15_000 });
}

function bedRow(page: Page, bed: string) {
  return page.locator(`li.bed-row[data-bed="${bed}"]`);
}

/** The relay's audit of bed assignments, read from its SQLite file. */
function auditRows(bed: string): { command_id: string; nurse_id: string | null }[] {
  const db = new Database(join(relay.dataDir, 'wardline.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT command_id, nurse_id FROM assignment_audit WHERE unit = ? AND bed = ?')
      .all('4W', bed) as { command_id: string; nurse_id: string | null }[];
  } finally {
    db.close();
  }
}

async function shot(page: Page, name: string): Promise<void> {
  const path = await screenshot(page, name);
  mkdirSync(SHOTS, { recursive: true });
  copyFileSync(path, join(SHOTS, `${name}.png`));
}

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir'), UNIT_BEDS: BEDS, ...shiftsAroundNow() });
  ingest = await devToken(relay.url, 'integration-engine');
  browser = await launchBrowser();
  charge = await openDevice(browser, relay.url, 'phone');
  okafor = await openDevice(browser, relay.url, 'tablet');
  brightwater = await openDevice(browser, relay.url, 'desktop');
  await recordAlarm(okafor.page);
  await recordAlarm(brightwater.page);
  await signIn(charge.page, 'H. Marchbank');
  await signIn(okafor.page, 'R. Okafor');
  await signIn(brightwater.page, 'D. Brightwater');
  await Promise.all([charge, okafor, brightwater].map((d) => waitUntilLive(d.page)));
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

describe('[issue 15] beds, their nurse, and her patients’ work', () => {
  it('[A-P1] the charge nurse assigns 4W-01 to 4W-06 → R. Okafor from her phone; every screen on 4W shows it live', async () => {
    await openBeds(okafor.page);
    await openBeds(brightwater.page);
    const page = charge.page;
    await openBeds(page);
    await page
      .getByText(/^Day|^Night/)
      .first()
      .waitFor();
    expect(await bedRow(page, '4W-03').textContent()).toContain('No nurse');

    await page.getByLabel('From bed').selectOption('4W-01');
    await page.getByLabel('To bed').selectOption('4W-06');
    await page.getByLabel('Nurse', { exact: true }).selectOption({ label: 'R. Okafor' });
    await page.getByRole('button', { name: 'Assign 6 beds' }).click();
    await page.getByRole('status').filter({ hasText: 'Assigned: 4W-01 to 4W-06 → R. Okafor' }).waitFor();

    // Live on the other screens: her own tablet says "(you)", the colleague's desktop names her.
    await bedRow(okafor.page, '4W-06').getByText('R. Okafor (you)').waitFor({ timeout: 10_000 });
    await bedRow(brightwater.page, '4W-01').getByText('R. Okafor').waitFor({ timeout: 10_000 });
    expect(await bedRow(brightwater.page, '4W-07').textContent()).toContain('No nurse');
    for (const bed of ['4W-01', '4W-06'])
      expect(auditRows(bed).map((r) => r.nurse_id)).toEqual(['nurse-okafor']);
    // Not sent twice, not "waiting".
    expect(await page.getByText('not sent yet').count()).toBe(0);
  });

  it('[A-P2][A-P5] a discharge and a stat result for 4W-03 reach Okafor’s My work as "Your patient", ringing once; Brightwater sees neither', async () => {
    const page = okafor.page;
    await openNav(page, /^My work/);
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    const before = await rings(page);
    const sent = Date.now();
    const { status } = await postEvents(relay.url, ingest, [
      routed(DISCHARGE, 1, { title: 'Discharge home: bed 3', patient: P3, candidateRoles: ['Nurse'] }),
      routed(STAT, 1, {
        kind: 'result-ack',
        title: 'K+ 6.7 mmol/L',
        priority: 'stat',
        candidateRoles: ['Nurse', 'ChargeNurse'],
        checklist: [],
        patient: P3,
        ackBy: new Date(Date.now() + 10 * MINUTE).toISOString(),
      }),
    ]);
    expect(status).toBe(202);
    const discharge = page.locator(`[data-task-id="${DISCHARGE}"]`).first();
    const stat = page.locator(`[data-task-id="${STAT}"]`).first();
    await discharge.getByText('Your patient').waitFor({ timeout: 10_000 });
    await stat.getByText('Your patient').waitFor({ timeout: 10_000 });
    const shownMs = Date.now() - sent;
    // The issue asks for 1 s; the machine is shared, so the bound is generous and the time is recorded.
    expect(shownMs).toBeLessThan(5_000);
    console.info(`[A-P2] both tasks shown as "Your patient" ${shownMs} ms after the relay accepted them`);

    // One alert for the stat result, rung once: a tone and a vibration.
    await page.locator('.alert-banner').first().waitFor({ timeout: 10_000 });
    await until(async () => (await rings(page)).vibrations > before.vibrations, 5_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const after = await rings(page);
    expect(after.vibrations - before.vibrations).toBe(1);
    await shot(page, 'your-patient-my-work-tablet');

    // Her colleague on the same unit, other beds: neither task in her My work, and nothing rang.
    const other = brightwater.page;
    await openNav(other, /^My work/);
    await other.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    // Absent only means something once her device holds both tasks and the list has read them.
    await until(async () => {
      const ids = (await readStore<{ id: string }>(other, 'tasks')).map((t) => t.id);
      return ids.includes(DISCHARGE) && ids.includes(STAT);
    }, 10_000);
    await other.locator('.count', { hasText: /^\d+ tasks?\b/ }).waitFor();
    expect(await other.locator(`[data-task-id="${DISCHARGE}"]`).count()).toBe(0);
    expect(await other.locator(`[data-task-id="${STAT}"]`).count()).toBe(0);
    expect((await rings(other)).vibrations).toBe(0);

    // The task panel says it too.
    await stat.locator('a').first().click();
    await page.locator('.badges').getByText('Your patient').waitFor();
  });

  it('[A-P6] the idle-locked tablet shows "1 escalation waiting" with no patient in its page or title, sounds once, and unlocking opens it', async () => {
    const tablet = await openDevice(browser, relay.url, 'tablet');
    try {
      // Only this device locks after 6 s without input (the relay's setting, rewritten for it alone).
      await tablet.context.route('**/config.json', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as Record<string, unknown>;
        await route.fulfill({ response, json: { ...body, idleLockMinutes: 0.1 } });
      });
      await recordAlarm(tablet.page);
      await signIn(tablet.page, 'R. Okafor');
      await waitUntilLive(tablet.page);
      const page = tablet.page;
      await page.getByRole('heading', { name: 'Wardline is locked' }).waitFor({ timeout: 30_000 });
      const before = await rings(page);

      const { status } = await postEvents(relay.url, ingest, [
        routed(LOCKED_STAT, 1, {
          kind: 'result-ack',
          title: 'Troponin 890 ng/L',
          priority: 'stat',
          candidateRoles: ['Nurse', 'ChargeNurse'],
          checklist: [],
          patient: P5,
          ackBy: new Date(Date.now() + 10 * MINUTE).toISOString(),
        }),
      ]);
      expect(status).toBe(202);
      await page.getByText('1 escalation waiting').waitFor({ timeout: 10_000 });
      await page.getByText('unlock to see it').waitFor();
      expect(await page.title()).toBe('(1) Locked — Wardline');
      await until(async () => (await rings(page)).vibrations > before.vibrations, 5_000);
      await new Promise((r) => setTimeout(r, 2_000));
      expect((await rings(page)).vibrations - before.vibrations).toBe(1);

      const html = await page.content();
      const title = await page.title();
      for (const secret of [P5.name, ...P5.name.split(' '), P5.mrn, P5.ref, P5.bed, 'Troponin']) {
        expect(html).not.toContain(secret);
        expect(title).not.toContain(secret);
      }
      await shot(page, 'locked-waiting-tablet');

      await page.getByRole('button', { name: 'Unlock as R. Okafor' }).click();
      await page.getByRole('heading', { name: 'Troponin 890 ng/L' }).waitFor({ timeout: 10_000 });
      expect(new URL(page.url()).pathname).toBe(`/tasks/${LOCKED_STAT}`);
    } finally {
      await tablet.context.close();
    }
  });
});

describe('[issue 15] taking beds offline', () => {
  it('[A-P3] a bed taken offline is applied once, even when the device sends it twice', async () => {
    const page = brightwater.page;
    await navigateInApp(page, '/beds');
    await page.getByRole('list', { name: 'Beds on 4W' }).waitFor();
    await brightwater.context.setOffline(true);
    await page.locator('.link-offline').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Take 4W-07' }).click();
    await bedRow(page, '4W-07').getByText('not sent yet').waitFor();
    expect(await bedRow(page, '4W-07').textContent()).toContain('D. Brightwater (you)');
    const [row] = await readBedOutbox(page);
    expect(row).toBeDefined();

    await brightwater.context.setOffline(false);
    await page.locator('.link-live').waitFor({ timeout: 30_000 });
    await bedRow(page, '4W-07').getByText('not sent yet').waitFor({ state: 'detached', timeout: 30_000 });
    // Her colleague's Beds screen shows it, live.
    await navigateInApp(okafor.page, '/beds');
    await bedRow(okafor.page, '4W-07').getByText('D. Brightwater').waitFor({ timeout: 10_000 });

    // The same action sent again (a tab closed before the answer was stored): the relay's answer is
    // "duplicate", and the audit still holds one assignment.
    await putIntoBedOutbox(page, row!);
    await brightwater.context.setOffline(true);
    await page.locator('.link-offline').waitFor({ timeout: 10_000 });
    await brightwater.context.setOffline(false);
    await page.locator('.link-live').waitFor({ timeout: 30_000 });
    await until(async () => (await readBedOutbox(page)).length === 0, 30_000);
    expect(auditRows('4W-07').map((r) => r.nurse_id)).toEqual(['nurse-brightwater']);
    expect(await page.getByRole('heading', { name: /^Needs attention/ }).count()).toBe(0);
  });

  it('[A-P4] a clash (the charge nurse assigned the bed meanwhile) is ONE Needs-attention entry with the relay’s sentence', async () => {
    const page = brightwater.page;
    await brightwater.context.setOffline(true);
    await page.locator('.link-offline').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Take 4W-08' }).click();
    await page.getByRole('button', { name: 'Take 4W-09' }).click();
    await bedRow(page, '4W-09').getByText('not sent yet').waitFor();

    // Meanwhile the charge nurse gives 4W-08 to Okafor.
    const lead = await connectAs(relay.url, 'charge-4w-marchbank');
    try {
      const board = (await lead.connection.invoke('assignments', '4W')) as { shift: { id: string } };
      const answer = (await lead.connection.invoke('assignBeds', {
        commandId: crypto.randomUUID(),
        unit: '4W',
        beds: ['4W-08'],
        nurseId: 'nurse-okafor',
        shiftId: board.shift.id,
        madeAt: new Date().toISOString(),
      })) as { status: string };
      expect(answer.status).toBe('applied');
    } finally {
      await lead.stop();
    }

    await brightwater.context.setOffline(false);
    await page.locator('.link-live').waitFor({ timeout: 30_000 });
    const notices = page.locator('.notices .notice');
    await notices.first().waitFor({ timeout: 30_000 });
    await until(async () => (await readBedOutbox(page)).length === 0, 30_000);
    expect(await notices.count()).toBe(1);
    expect(await notices.first().textContent()).toMatch(/4W-08 is already assigned to R\. Okafor/);
    await notices.first().getByRole('link', { name: 'Open Beds' }).waitFor();
    // The board shows the truth: 4W-08 is Okafor's, 4W-09 (taken in its own action) is hers.
    await bedRow(page, '4W-08').getByText('R. Okafor').waitFor();
    await bedRow(page, '4W-09').getByText('D. Brightwater (you)').waitFor();
    await shot(page, 'beds-clash-desktop');
    await notices.first().getByRole('button', { name: 'Dismiss' }).click();
  });
});

describe('[issue 15] the Beds screen for every role and size', () => {
  it.each(['phone', 'tablet', 'desktop'] as ViewportName[])(
    '[A-P1] at %s size, for a charge nurse and a nurse: no serious axe violation, 44 px targets',
    async (size) => {
      const { width, height } = VIEWPORTS[size];
      for (const [name, role] of [
        ['H. Marchbank', 'charge'],
        ['R. Okafor', 'nurse'],
      ] as const) {
        const device = await openDevice(browser, relay.url, size);
        try {
          await signIn(device.page, name);
          await waitUntilLive(device.page);
          await openBeds(device.page);
          if (role === 'charge')
            await device.page.getByRole('option', { name: 'R. Okafor' }).waitFor({ state: 'attached' });
          await shot(device.page, `beds-${role}-${size}-${width}x${height}`);
          expect(await seriousA11yViolations(device.page), `${role} at ${size}`).toEqual([]);
          expect(await smallTargets(device.page), `${role} at ${size}`).toEqual([]);
          expect(await device.page.title()).toBe('Beds — Wardline');
        } finally {
          await device.context.close();
        }
      }
    },
  );
});

interface BedOutboxRow {
  order?: number;
  command: Record<string, unknown>;
  attempts: number;
  lastError: string | null;
}

/** The device's unanswered bed actions (IndexedDB `bedOutbox`). */
function readBedOutbox(page: Page): Promise<BedOutboxRow[]> {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name!).filter((n) => n.startsWith('wardline-'));
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(names[0]!);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(new Error('open failed'));
    });
    try {
      return await new Promise<BedOutboxRow[]>((resolve, reject) => {
        const all = db.transaction('bedOutbox').objectStore('bedOutbox').getAll();
        all.onsuccess = () => resolve(all.result as BedOutboxRow[]);
        all.onerror = () => reject(new Error('read failed'));
      });
    } finally {
      db.close();
    }
  });
}

/** Puts an already answered bed action back, as if the answer had never been stored. */
function putIntoBedOutbox(page: Page, row: BedOutboxRow): Promise<void> {
  return page.evaluate(async (again) => {
    const names = (await indexedDB.databases()).map((d) => d.name!).filter((n) => n.startsWith('wardline-'));
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(names[0]!);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(new Error('open failed'));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('bedOutbox', 'readwrite');
        const copy = { ...again };
        delete copy.order;
        tx.objectStore('bedOutbox').add({ ...copy, attempts: 0, lastError: null });
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(new Error('write failed'));
      });
    } finally {
      db.close();
    }
  }, row);
}
