import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, WebSocketRoute } from 'playwright-core';
import type { Task } from '../../src/domain';
import { launchBrowser, openDevice, sawText, signIn, watchForText } from '../helpers/browser';
import { readStore } from '../helpers/offline';
import { startTestRelay, type TestRelay } from '../helpers/relay';
import { routed } from '../helpers/events';
import { busyUnit } from '../helpers/scale-data';
import { ingest } from '../helpers/ward-data';

/**
 * [H1][H8] A fresh device's first sync is written page by page, each page in one transaction with its
 * cursor: a tablet reloaded (or closed) mid-sync keeps the pages it wrote, and the next sync goes on
 * from the stored cursor instead of starting over. The relay's answers after the first page are held
 * back here, so the reload lands mid-sync whatever the machine's speed.
 */
const TASKS = 2_500;

let relay: TestRelay;
let browser: Browser;

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  await ingest(relay.url, busyUnit(TASKS, 'resume'));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

interface Frame {
  type?: number;
  target?: string;
  arguments?: unknown[];
  result?: { cursor?: number; tasks?: unknown[] };
}

const records = (message: string | Buffer): Frame[] =>
  typeof message === 'string'
    ? message
        .split('\u001e')
        .filter(Boolean)
        .map((r) => JSON.parse(r) as Frame)
    : [];

describe('a first sync interrupted by a reload', () => {
  it('keeps the pages written, each with its cursor, and resumes from that cursor', async () => {
    const device = await openDevice(browser, relay.url, 'tablet');
    const page = device.page;
    /** The cursor of every `sync` call the device made, in order. */
    const syncCalls: number[] = [];
    let pagesLetThrough = 0;
    let holdAfterFirstPage = true;
    await page.routeWebSocket(/\/hubs\/worklist/, (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        for (const frame of records(message)) {
          if (frame.type === 1 && frame.target === 'sync') syncCalls.push(frame.arguments?.[0] as number);
        }
        server.send(message);
      });
      server.onMessage((message) => {
        const pages = records(message).filter((f) => f.type === 3 && Array.isArray(f.result?.tasks));
        if (pages.length > 0 && holdAfterFirstPage && pagesLetThrough >= 1) return; // held back
        pagesLetThrough += pages.length;
        ws.send(message);
      });
    });

    await signIn(page, 'R. Okafor');
    const cursorOf = async () =>
      (await readStore<{ key: string; value: number }>(page, 'meta')).find((r) => r.key === 'cursor')?.value;
    await expect.poll(cursorOf, { timeout: 60_000 }).toBeGreaterThan(0);

    // The first page is stored with its own cursor, and nothing past it.
    const cursor = (await cursorOf())!;
    const stored = await readStore<Task>(page, 'tasks');
    expect(stored).toHaveLength(1_000);
    expect(Math.max(...stored.map((t) => t.seq))).toBe(cursor);
    expect(cursor).toBeLessThan(await relay.relay.store.lastSeq());

    holdAfterFirstPage = false;
    const callsBefore = syncCalls.length;
    await page.reload();
    await expect
      .poll(async () => (await readStore<Task>(page, 'tasks')).length, { timeout: 60_000 })
      .toBe(TASKS);
    await expect.poll(cursorOf, { timeout: 30_000 }).toBe(await relay.relay.store.lastSeq());
    // After the reload the device asked from where it had stopped, not from the beginning.
    expect(syncCalls[callsBefore]).toBe(cursor);
    expect(syncCalls.slice(callsBefore)).not.toContain(0);
    expect(device.errors).toEqual([]);
    await device.context.close();
  });
});

describe('a first sync during which the relay changes tasks', () => {
  it('[H1][H8] shows only what the relay shows her, and the list ends equal to the relay', async () => {
    // Task 1,500 sits on the second page, held back below while it is moved to 5E (out of her view);
    // task 1,600, on the same page, gets a new title. The held page still carries their old states.
    const events = busyUnit(TASKS, 'resume') as Array<ReturnType<typeof routed>>;
    const moved = events[1_500]!.data;
    const renamed = events[1_600]!.data;
    const device = await openDevice(browser, relay.url, 'tablet');
    const page = device.page;
    // After the move the relay shows her one task fewer: the list must never count the old number.
    await watchForText(page, `${TASKS} tasks`);
    // Every page is held until her screen is up (so the device is still empty, "fresh", when its list
    // first asks), then the first goes through and the second is held while the relay changes.
    let pagesSeen = 0;
    let hold = true;
    const held: Array<() => void> = [];
    const release = () => {
      for (const send of held.splice(0)) send();
    };
    await page.routeWebSocket(/\/hubs\/worklist/, (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        const pages = records(message).filter((f) => f.type === 3 && Array.isArray(f.result?.tasks));
        pagesSeen += pages.length;
        if (pages.length > 0 && hold) held.push(() => ws.send(message));
        else ws.send(message);
      });
    });

    await signIn(page, 'R. Okafor');
    await expect.poll(() => pagesSeen, { timeout: 60_000 }).toBe(1);
    release();
    // The second page has reached the device's socket and waits there; now the relay changes its tasks.
    await expect.poll(() => pagesSeen, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await ingest(relay.url, [
      routed(moved.taskId, 2, { ...moved, revision: 2, unit: '5E' }),
      routed(renamed.taskId, 2, { ...renamed, revision: 2, title: 'Renamed while syncing' }),
    ]);
    // The live push of the new title is stored before the held pages go on.
    await expect
      .poll(async () => (await readStore<Task>(page, 'tasks')).find((t) => t.id === renamed.taskId)?.title, {
        timeout: 60_000,
      })
      .toBe('Renamed while syncing');
    hold = false;
    release();

    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^Unit queue/ })
      .click();
    await page.locator('.count', { hasText: `${TASKS - 1} tasks` }).waitFor({ timeout: 60_000 });
    const relayTasks = (await relay.relay.store.tasksChangedSince(0, 10_000)).filter((t) => t.unit === '4W');
    const stored = await readStore<Task>(page, 'tasks');
    const bySeq = (tasks: Task[]) => tasks.map((t) => `${t.id}@${t.seq}`).sort();
    expect(bySeq(stored)).toEqual(bySeq(relayTasks));
    expect(stored.find((t) => t.id === renamed.taskId)?.title).toBe('Renamed while syncing');
    // The list never counted the moved task, not even for a frame.
    expect(await sawText(page)).toBe(false);
    expect(device.errors).toEqual([]);
    await device.context.close();
  });
});
