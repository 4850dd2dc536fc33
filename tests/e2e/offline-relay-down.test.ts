import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Task } from '../../src/domain';
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
import { checksumOf, connectAs, Mirror } from '../helpers/hub-client';
import { readRelay, readStore, waitForEmptyOutbox } from '../helpers/offline';
import { devToken, postEvents, RestartableRelay, startTestRelay, tempDir } from '../helpers/relay';

/**
 * Issue #6: the relay is down for a minute while 500 tasks change (another relay process on the same
 * data folder takes the changes in, as a second instance or a restart's backlog would). When it comes
 * back, every open page — a nurse's tablet, a coordinator's desktop, a charge nurse's phone — catches
 * up without a reload, sends what was made meanwhile, and holds exactly the relay's view (checksum).
 */

const DOWN_FOR_MS = 60_000;
const TASKS = 500;
const ids = Array.from({ length: TASKS }, (_, i) => `down-${String(i).padStart(3, '0')}`);

let browser: Browser;
let relay: RestartableRelay;
const data = tempDir('wardline-e2e-down-');

function task(id: string, revision: number, extra: Record<string, unknown> = {}) {
  const n = Number(id.slice(5));
  return routed(id, revision, {
    kind: 'follow-up',
    title: revision === 1 ? 'Recheck observations' : 'Recheck observations (plan changed)',
    candidateRoles: ['Nurse', 'ChargeNurse', 'Coordinator'],
    patient: {
      ref: `Patient/${id}`,
      name: `Downtime Patient${n}`,
      mrn: `DEMO-95${String(n).padStart(4, '0')}`,
      bed: `4W-${n}`,
    },
    checklist: [],
    ...extra,
  });
}

beforeAll(async () => {
  const port = await freePort();
  relay = new RestartableRelay({ PORT: String(port), DATA_DIR: data.path, STATIC_DIR: inject('pwaDir') });
  await relay.start();
  const token = await devToken(relay.url, 'integration-engine');
  for (let i = 0; i < TASKS; i += 250) {
    const { status } = await postEvents(
      relay.url,
      token,
      ids.slice(i, i + 250).map((id) => task(id, 1)),
    );
    expect(status).toBe(202);
  }
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
  data.remove();
});

/** The open tasks the page's device database holds, as `id:seq:version` (the hub tests' checksum). */
async function deviceChecksum(page: Page): Promise<string> {
  return checksumOf(await readStore<Task>(page, 'tasks'));
}

async function relayChecksum(url: string, staffId: string): Promise<string> {
  const client = await connectAs(url, staffId);
  try {
    const mirror = new Mirror(client);
    await mirror.catchUp();
    return mirror.checksum();
  } finally {
    await client.connection.stop();
  }
}

describe('[issue 6] the relay is down for a minute while 500 tasks change', () => {
  const people = [
    { name: 'R. Okafor', id: 'nurse-okafor', viewport: 'tablet' as const },
    { name: 'M. Sorrel', id: 'coordinator-sorrel', viewport: 'desktop' as const },
    { name: 'H. Marchbank', id: 'charge-4w-marchbank', viewport: 'phone' as const },
  ];
  const devices: Device[] = [];

  it('[S5][S10] every page catches up without a reload and equals the relay’s state', async () => {
    for (const person of people) {
      const device = await openDevice(browser, relay.url, person.viewport);
      devices.push(device);
      await signIn(device.page, person.name);
      await waitUntilLive(device.page, 30_000);
      await device.page.evaluate(
        () => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true),
      );
    }
    const nurse = devices[0]!.page;
    await nurse
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^Unit queue/ })
      .click();
    await nurse.locator(`li[data-task-id="${ids[0]}"]`).waitFor();

    const downAt = Date.now();
    await relay.stop();
    await nurse.locator('.link-reconnecting').waitFor({ timeout: 10_000 });

    // The nurse keeps working: two claims wait in her outbox until the relay is back.
    for (const id of ids.slice(0, 2)) {
      const card = nurse.locator(`li[data-task-id="${id}"]`);
      await card.getByRole('button', { name: /^Claim/ }).click();
      await card.waitFor({ state: 'detached' });
    }
    await nurse.locator('.link-unsent', { hasText: '2 waiting to sync' }).waitFor();

    // 500 tasks change meanwhile: 400 new revisions, 50 cancelled, 50 moved to another unit.
    const meanwhile = await startTestRelay({ DATA_DIR: data.path });
    const token = await devToken(meanwhile.url, 'integration-engine');
    const changes = ids.map((id, i) => {
      if (i >= 400 && i < 450)
        return {
          specversion: '1.0',
          id: `down-cancel-${id}`,
          source: 'urn:wardline:test',
          type: 'wardline.task.cancelled',
          data: { taskId: id, revision: 2, reason: 'No longer needed' },
        };
      return task(id, 2, i >= 450 ? { unit: '5E' } : { priority: 'urgent' });
    });
    for (let i = 0; i < changes.length; i += 250) {
      const { status } = await postEvents(meanwhile.url, token, changes.slice(i, i + 250));
      expect(status).toBe(202);
    }
    await meanwhile.stop();
    await screenshot(nurse, 'relay-down-tablet-820x1180');

    await new Promise((r) => setTimeout(r, Math.max(0, DOWN_FOR_MS - (Date.now() - downAt))));
    await relay.start();

    for (const [i, person] of people.entries()) {
      const page = devices[i]!.page;
      // SignalR's reconnect delays settle at 30 s with jitter: the page is back within about that.
      await page.locator('.link-live').waitFor({ timeout: 60_000 });
      await waitForEmptyOutbox(page);
      const expected = await relayChecksum(relay.url, person.id);
      await expect.poll(() => deviceChecksum(page), { timeout: 30_000, interval: 500 }).toBe(expected);
      expect(
        await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
      ).toBe(true);
    }
    // The nurse's two claims reached the relay once each, after the downtime's changes.
    const claims = readRelay(data.path).changes.filter((c) => c.change === 'claimed');
    expect(claims.map((c) => [c.taskId, c.actorId])).toEqual([
      [ids[0], 'nurse-okafor'],
      [ids[1], 'nurse-okafor'],
    ]);
    // 4W devices no longer hold the 50 tasks that moved to 5E.
    const held = new Set((await readStore<Task>(nurse, 'tasks')).map((t) => t.id));
    expect(ids.slice(450).filter((id) => held.has(id))).toEqual([]);
  });
});
