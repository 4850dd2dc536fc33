import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openDevice, signIn, waitUntilLive, type Device } from '../helpers/browser';
import { routed } from '../helpers/events';
import { goOffline, navigateInApp } from '../helpers/offline';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * docs/SECURITY.md A2–A3 in real Chromium: the built PWA's task view records each task it shows, once,
 * online at once and offline once the network is back; the relay's audit is read as an Admin would.
 */

let relay: TestRelay;
let browser: Browser;
let nurse: Device;
let admin: string;

const patient = (n: number) => ({
  ref: `Patient/aa-${n}`,
  name: `Audit Patient${n}`,
  mrn: `DEMO-77${n}`,
  bed: `4W-3${n}`,
});

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  const ingest = await devToken(relay.url, 'integration-engine');
  await postEvents(relay.url, ingest, [
    routed('aa-online', 1, { title: 'Discharge online', patient: patient(1) }),
    routed('aa-offline', 1, { title: 'Discharge offline', patient: patient(2) }),
  ]);
  admin = await devToken(relay.url, 'admin-demo');
  browser = await launchBrowser();
  nurse = await openDevice(browser, relay.url, 'tablet');
  await signIn(nurse.page, 'R. Okafor');
  await waitUntilLive(nurse.page);
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

async function detailRecords(taskId: string) {
  const res = await fetch(`${relay.url}/api/audit/access?staff=nurse-okafor&task=${taskId}`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const { records } = (await res.json()) as {
    records: Array<{ view: string; mode: string; device: string; patientRef: string }>;
  };
  return records.filter((r) => r.view === 'detail');
}

async function until<T>(read: () => Promise<T[]>, count: number, timeoutMs = 30_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await read();
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('[A2][A3] the task view is on record, once per task shown', () => {
  it('a task opened online is one record, with the patient and the device', async () => {
    await navigateInApp(nurse.page, '/tasks/aa-online');
    await nurse.page.getByRole('heading', { level: 1, name: 'Discharge online' }).waitFor();
    const records = await until(() => detailRecords('aa-online'), 1);
    expect(records).toEqual([
      expect.objectContaining({
        mode: 'online',
        patientRef: 'Patient/aa-1',
        device: expect.stringMatching(/^device-/) as unknown,
      }),
    ]);
  });

  it('a task opened offline is recorded once the network is back, as a replay, once', async () => {
    await goOffline(nurse);
    await navigateInApp(nurse.page, '/tasks/aa-offline');
    await nurse.page.getByRole('heading', { level: 1, name: 'Discharge offline' }).waitFor();
    expect(await detailRecords('aa-offline')).toEqual([]);

    await nurse.context.setOffline(false);
    const records = await until(() => detailRecords('aa-offline'), 1);
    expect(records).toEqual([expect.objectContaining({ mode: 'replayed', patientRef: 'Patient/aa-2' })]);
    // Reopened online afterwards: that is a new look, and the first is still there once.
    await navigateInApp(nurse.page, '/tasks/aa-online');
    await nurse.page.getByRole('heading', { level: 1, name: 'Discharge online' }).waitFor();
    expect((await until(() => detailRecords('aa-online'), 2)).length).toBe(2);
    expect(await detailRecords('aa-offline')).toHaveLength(1);
  });
});
