import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Task } from '../../src/domain';
import {
  openDevice,
  pollPage,
  signIn,
  VIEWPORTS,
  waitUntilLive,
  type Device,
  type ViewportName,
} from '../helpers/browser';
import { connectAs, eventually } from '../helpers/hub-client';
import type { TestRelay } from '../helpers/relay';
import { checkView as checkViewOf, startDemoWard, type DemoWard } from '../helpers/e2e-ward';

/**
 * Issue #16, "The task", "Lists and filters" and "Exceptions": what the task offers first, what its
 * history says, filters that find what the rows show, quick filters in the URL, the columns kept beside
 * an open task, `j` keeping its place, and an exception's reason, Undo and bulk outcome — at a phone
 * (390×844), a tablet (820×1180) and a desktop (1440×900), axe-clean, with 44 px targets.
 * Screenshots go to /tmp/shots-h16a (looked at by hand; not kept in the repository).
 */

const SIZES: ViewportName[] = ['phone', 'tablet', 'desktop'];
const SHOTS = '/tmp/shots-h16a';

let ward: DemoWard;
let relay: TestRelay;
let browser: Browser;
let names: string[];
let coordinatorTasks: Task[];
/** An unclaimed 4W result and an unclaimed 4W discharge with required items open. */
let result: Task;
let discharge: Task;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ward = await startDemoWard(220, {}, async (morning) => {
    ({ relay, names } = morning);
    const okafor = await connectAs(relay.url, 'nurse-okafor');
    const sorrel = await connectAs(relay.url, 'coordinator-sorrel');
    morning.clients.push(okafor, sorrel);
    const open4W = [...(await okafor.syncAll()).tasks.values()].filter((t) => t.status === 'requested');
    result = open4W.find((t) => t.kind === 'result-ack' && !t.acknowledgedAt)!;
    discharge = open4W.find((t) => t.kind === 'discharge' && t.checklist.some((i) => i.required && !i.done))!;
    if (!result || !discharge) throw new Error('the demo morning is too small');
    coordinatorTasks = [...(await sorrel.syncAll()).tasks.values()];
  });
  browser = ward.browser;
});

afterAll(() => ward?.stop());

function openExceptions(): Task[] {
  return coordinatorTasks
    .filter((t) => t.kind === 'exception' && t.status !== 'completed' && t.status !== 'cancelled')
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : 1));
}

function checkView(device: Device, size: ViewportName, name: string): Promise<void> {
  return checkViewOf(ward, device, size, name, () =>
    device.page.screenshot({ path: join(SHOTS, `${name}-${size}.png`) }),
  );
}

/**
 * The rows in order once the list has settled: the worklist is read from IndexedDB in slices when the
 * page opens, so the order is the place only once every slice is in (two reads half a second apart agree).
 */
async function settledIds(page: Page): Promise<string[]> {
  await page.locator('.tbody [data-task-id]').nth(7).waitFor();
  let ids = await shownIds(page);
  for (;;) {
    await page.waitForTimeout(500);
    const again = await shownIds(page);
    if (again.join() === ids.join()) return ids;
    ids = again;
  }
}

/** Ids of the rows shown, in their visual order. */
function shownIds(page: Page): Promise<string[]> {
  return page.locator('[data-task-id]').evaluateAll((els) =>
    els
      .map((e) => ({
        id: e.getAttribute('data-task-id') ?? '',
        at: Number(e.getAttribute('aria-posinset') ?? e.getAttribute('aria-rowindex')),
      }))
      .sort((x, y) => x.at - y.at)
      .map((x) => x.id),
  );
}

async function openTask(page: Page, task: Task): Promise<void> {
  const filter = page.getByRole('searchbox', { name: 'Filter' });
  await filter.fill(task.patient?.name ?? task.title);
  await page.locator(`[data-task-id="${task.id}"] a`).first().click();
  await page.getByRole('heading', { name: task.title }).waitFor();
  if (await filter.isVisible()) await filter.fill('');
}

describe('[issue 16] the task offers what its kind needs first', () => {
  let nurse: Device;
  beforeAll(async () => {
    nurse = await openDevice(browser, relay.url, 'phone');
    await signIn(nurse.page, 'R. Okafor');
    await waitUntilLive(nurse.page);
  });

  it('[L1, L4] a critical result: Acknowledge is the one primary action, Claim is under More; the queue card acknowledges', async () => {
    const page = nurse.page;
    for (const size of SIZES) {
      await page.setViewportSize(VIEWPORTS[size]);
      await page.goto('/queue');
      await page.getByRole('heading', { level: 1, name: 'Unit queue' }).waitFor();
      await page.getByRole('searchbox', { name: 'Filter' }).fill(result.patient?.name ?? result.title);
      const row = page.locator(`[data-task-id="${result.id}"]`);
      await row.getByRole('button', { name: /^Acknowledge: / }).waitFor();
      expect(await row.getByRole('button', { name: /^Claim/ }).count()).toBe(0);
      await row.locator('a').first().click();
      await page.getByRole('heading', { name: result.title }).waitFor();
      const primary = page.getByRole('group', { name: 'Actions' }).getByRole('button');
      expect(await primary.allTextContents()).toEqual(['Acknowledge']);
      await page.locator('.more-actions summary').click();
      expect(
        await page.locator('.more-actions').getByRole('button', { name: 'Claim', exact: true }).count(),
      ).toBe(1);
      // The history credits the lab, not "Wardline" as if it were a person.
      await page.locator('.audit li').first().waitFor();
      expect(await page.locator('.audit li').first().locator('.audit-who').textContent()).toBe('Lab system');
      await checkView(nurse, size, 'task-result');
    }
  });

  it('[L2, L4] an unclaimed discharge says to claim it first, not to tick the items', async () => {
    const page = nurse.page;
    for (const size of SIZES) {
      await page.setViewportSize(VIEWPORTS[size]);
      await page.goto('/queue');
      await page.getByRole('heading', { level: 1, name: 'Unit queue' }).waitFor();
      await openTask(page, discharge);
      expect(
        await page.getByRole('group', { name: 'Actions' }).getByRole('button').allTextContents(),
      ).toEqual(['Claim']);
      await page.getByText('Claim this task before working its checklist.').waitFor();
      expect(await page.getByText(/Tick (them|it), or give a reason/).count()).toBe(0);
      // The history is read after the task paints: wait for its entry instead of counting at once.
      await page.locator('.audit-who', { hasText: 'Patient record (EHR)' }).first().waitFor();
      await checkView(nurse, size, 'task-discharge-unclaimed');
    }
  });

  it('[L3] a discharge she resolves is not recorded as acknowledged by her', async () => {
    const page = nurse.page;
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto('/queue');
    await openTask(page, discharge);
    await page.getByRole('button', { name: 'Claim', exact: true }).click();
    for (const item of discharge.checklist.filter((i) => !i.done))
      await page.getByRole('checkbox', { name: item.label }).check();
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator('.task-header .status', { hasText: 'Completed' }).waitFor();
    await page.locator('.facts', { hasText: /Resolved\s*R\. Okafor/ }).waitFor();
    expect(await page.getByText(/Acknowledged/).count()).toBe(0);
  });
});

describe('[issue 16] lists: filters that find what is shown, quick filters in the URL', () => {
  let coordinator: Device;
  beforeAll(async () => {
    coordinator = await openDevice(browser, relay.url, 'desktop');
    await signIn(coordinator.page, 'M. Sorrel');
    await waitUntilLive(coordinator.page);
  });

  it('[L6] each value an exception row shows finds that row: priority, reason, unit, source, message id', async () => {
    const page = coordinator.page;
    const exceptions = openExceptions();
    const sample = exceptions.find((t) => t.exception?.sourceRef)!;
    const words: Record<string, string> = {
      stat: 'STAT',
      asap: 'ASAP',
      urgent: 'Urgent',
      routine: 'Routine',
    };
    for (const size of SIZES) {
      await page.setViewportSize(VIEWPORTS[size]);
      await page.goto('/exceptions');
      await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
      const filter = page.getByRole('searchbox', { name: 'Filter' });
      for (const value of [
        words[sample.priority]!,
        sample.unit,
        sample.exception!.sourceRef!.system,
        sample.exception!.sourceRef!.messageId,
      ]) {
        await filter.fill(value);
        await page.locator(`[data-task-id="${sample.id}"]`).waitFor();
        // Every row it leaves shows the value.
        for (const text of await page.locator('[data-task-id]').allTextContents())
          expect(text.toLowerCase(), value).toContain(value.toLowerCase());
      }
      await filter.fill('');
    }
  });

  it('[L6] "stat", "urgent" and "overdue" find the unit queue rows that say so, at each size', async () => {
    const page = coordinator.page;
    for (const size of SIZES) {
      await page.setViewportSize(VIEWPORTS[size]);
      await page.goto('/queue');
      await page.getByRole('heading', { level: 1, name: 'Unit queue' }).waitFor();
      await page.locator('[data-task-id]').first().waitFor();
      const filter = page.getByRole('searchbox', { name: 'Filter' });
      let found = 0;
      for (const word of ['STAT', 'Urgent', 'Overdue']) {
        await filter.fill(word.toLowerCase());
        await page
          .locator('.count', { hasText: /^\d+ of \d+ tasks? match$/ })
          .or(page.getByText('Nothing matches this filter.'))
          .first()
          .waitFor();
        // Every row left says so (the priority badge, the due column's "Overdue").
        const texts = await page.locator('[data-task-id]').allTextContents();
        for (const text of texts) expect(text).toContain(word);
        found += texts.length;
      }
      expect(found, size).toBeGreaterThan(0);
      await filter.fill('');
    }
  });

  it('[L7] quick filters live in the URL, hold no patient data and survive a reload, at each size', async () => {
    const page = coordinator.page;
    const routine = openExceptions().filter((t) => t.priority === 'routine' && t.unit === '4W');
    expect(routine.length).toBeGreaterThan(0);
    for (const size of SIZES) {
      await page.setViewportSize(VIEWPORTS[size]);
      await page.goto('/exceptions');
      await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
      await page.locator('[data-task-id]').first().waitFor();
      // A phone keeps sort and quick filters behind one button, open while any quick filter is set.
      if (size === 'phone') await page.getByRole('button', { name: 'Sort and filter' }).click();
      await page.getByLabel('Unit', { exact: true }).selectOption('4W');
      await page.getByLabel('Priority', { exact: true }).selectOption('routine');
      await pollPage(page, async () => location.search.includes('priority=routine'));
      const url = new URL(page.url());
      expect(url.search).toBe('?unit=4W&priority=routine');
      for (const patient of names) expect(decodeURIComponent(page.url())).not.toContain(patient);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
      await page.locator(`[data-task-id="${routine[0]!.id}"]`).waitFor();
      expect(await page.getByLabel('Priority', { exact: true }).inputValue()).toBe('routine');
      expect(await page.locator('.count').textContent()).toMatch(/^\d+ of \d+ tasks match$/);
      expect((await shownIds(page)).every((id) => routine.some((t) => t.id === id))).toBe(true);
      await checkView(coordinator, size, 'exceptions-quick-filtered');
      // Opening a row keeps the quick filters; the way back does too.
      await page.locator(`[data-task-id="${routine[0]!.id}"] a`).first().click();
      await page.getByRole('heading', { name: routine[0]!.title }).waitFor();
      expect(new URL(page.url()).search).toBe('?unit=4W&priority=routine');
    }
  });

  it('[L7] cards on tablet and phone offer the same sort choices as the table', async () => {
    const page = coordinator.page;
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto('/discharge');
    await page.getByRole('heading', { level: 1, name: 'Discharges' }).waitFor();
    // The rows are read from IndexedDB after the heading paints; the sorted order below needs them.
    await page.locator('[data-task-id]').first().waitFor();
    const headers = (await page.locator('.thead button.sort').allTextContents()).map((t) =>
      t.replace(/[▲▼↕]/g, '').trim(),
    );
    expect(headers.length).toBeGreaterThan(3);
    for (const size of ['tablet', 'phone'] as const) {
      await page.setViewportSize(VIEWPORTS[size]);
      // The cards (and their sort) replace the table once the page has seen the new size; a phone
      // keeps them behind its "Sort" button.
      if (size === 'phone') await page.getByRole('button', { name: 'Sort and filter' }).click();
      await page.getByLabel('Sort by').waitFor();
      const options = await page.getByLabel('Sort by').locator('option').allTextContents();
      expect(options).toEqual(headers.flatMap((h) => [`${h}, ascending`, `${h}, descending`]));
      await page.getByLabel('Sort by').selectOption({ label: 'Patient, ascending' });
      const shown = await shownIds(page);
      const byId = new Map(coordinatorTasks.map((t) => [t.id, t.patient?.name ?? '']));
      const patients = shown.map((id) => byId.get(id) ?? '');
      expect(patients).toEqual(
        [...patients].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })),
      );
      await checkView(coordinator, size, 'discharge-cards-sorted');
    }
  });

  it('[L7] with a task open beside the table, the discharge board keeps Bed and Unit, the exceptions keep Priority, Source, Unit and Reason', async () => {
    const page = coordinator.page;
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto('/discharge');
    await page.locator('.tbody [data-task-id] a').first().click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    for (const header of ['Bed', 'Unit'])
      expect(await page.getByRole('columnheader', { name: header }).isVisible(), header).toBe(true);
    await checkView(coordinator, 'desktop', 'discharge-with-task');
    await page.goto('/exceptions');
    await page.locator('.tbody [data-task-id] a').first().click();
    await page.getByRole('heading', { name: 'How does this exception end?' }).waitFor();
    for (const header of ['Priority', 'Source', 'Unit', 'Reason'])
      expect(await page.getByRole('columnheader', { name: header }).isVisible(), header).toBe(true);
    await checkView(coordinator, 'desktop', 'exceptions-with-task');
  });
});

describe('[issue 16] exceptions: keep the place, a reason and Undo, identical ones together', () => {
  let coordinator: Device;
  beforeAll(async () => {
    coordinator = await openDevice(browser, relay.url, 'desktop');
    await signIn(coordinator.page, 'M. Sorrel');
    await waitUntilLive(coordinator.page);
  });

  it('[L7] j pressed three times before the screen catches up moves three rows, not one', async () => {
    const page = coordinator.page;
    await page.goto('/exceptions');
    await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
    const ids = await settledIds(page);
    await page.getByRole('heading', { level: 1 }).click();
    // No wait between the presses: each move reaches the URL as a transition, after the next press.
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    await page.locator(`.tbody [data-task-id="${ids[2]}"][aria-current=true]`).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/exceptions/${encodeURIComponent(ids[2]!)}`);
    await page.keyboard.press('k');
    await page.locator(`.tbody [data-task-id="${ids[1]}"][aria-current=true]`).waitFor();
  });

  it('[L7] after resolving row 6, j goes to the row that took its place, not row 1', async () => {
    const page = coordinator.page;
    await page.goto('/exceptions');
    await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
    await settledIds(page);
    await page.getByRole('heading', { level: 1 }).click();
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('j');
      // Row i of the list as it is now: on a loaded machine a late slice may still reorder it.
      await page.locator('.tbody [data-task-id]').nth(i).and(page.locator('[aria-current=true]')).waitFor();
    }
    const before = await shownIds(page);
    await page.getByRole('button', { name: 'Fixed', exact: true }).click();
    await page.locator(`.tbody [data-task-id="${before[5]}"]`).waitFor({ state: 'detached' });
    await page.getByRole('heading', { level: 1 }).click();
    await page.keyboard.press('j');
    const moved = await page
      .locator(`.tbody [data-task-id="${before[6]}"][aria-current=true]`)
      .waitFor({ timeout: 10_000 })
      .then(() => true)
      .catch(() => false);
    if (!moved) {
      // Say where j went instead (ids only), so a failure names its cause.
      const current = await page
        .locator('.tbody [aria-current=true]')
        .getAttribute('data-task-id')
        .catch(() => null);
      const now = await shownIds(page);
      expect.fail(
        `j went to row ${now.indexOf(current ?? '')} (${current}), not to ${before[6]} (now row ${now.indexOf(before[6]!)}); ` +
          `the list before: ${before.slice(0, 8).join(', ')}; now: ${now.slice(0, 8).join(', ')}; URL ${new URL(page.url()).pathname}`,
      );
    }
  });

  it('[L8, L9] Dismiss asks why, waits for Undo, and sends only when the window passes', async () => {
    const page = coordinator.page;
    for (const size of SIZES) {
      await page.setViewportSize(VIEWPORTS[size]);
      await page.goto('/exceptions');
      await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
      // The heading paints before the first slice of rows is read from IndexedDB.
      await page.locator('[data-task-id]').first().waitFor();
      const id = (await shownIds(page))[0]!;
      await page.locator(`[data-task-id="${id}"] a`).first().click();
      await page.getByRole('heading', { name: 'How does this exception end?' }).waitFor();
      await page.getByRole('button', { name: 'Dismissed…' }).click();
      // Nothing is sent without a reason.
      expect(await page.getByRole('button', { name: 'Dismiss', exact: true }).isDisabled()).toBe(true);
      await page.getByLabel('Why dismiss it?').selectOption('Duplicate of another message');
      await checkView(coordinator, size, 'exception-dismiss-reason');
      await page.getByRole('button', { name: 'Dismiss', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Dismissed this exception' }).waitFor();
      // Five seconds to undo: a screenshot fits in them, a full accessibility scan on a loaded machine may not.
      await page.screenshot({ path: join(SHOTS, `exception-undo-${size}.png`) });
      await page.getByRole('button', { name: 'Undo' }).click();
      // Undone: the choice is back, and nothing went to the outbox.
      await page.getByRole('button', { name: 'Dismissed…' }).waitFor();
      expect(await page.locator('.task-header .badge.sending').count()).toBe(0);
      if (size === 'desktop') {
        // Now for real: once the window passes it is sent through the outbox and the relay records why.
        await page.getByRole('button', { name: 'Dismissed…' }).click();
        await page.getByLabel('Why dismiss it?').selectOption('Other');
        await page.getByLabel('The reason, in a few words').fill('Sent twice by the lab feed');
        await page.getByRole('button', { name: 'Dismiss', exact: true }).click();
        await page.locator('.task-header .status', { hasText: 'Completed' }).waitFor({ timeout: 30_000 });
        await page.locator('.facts', { hasText: 'Sent twice by the lab feed' }).waitFor();
        await page.locator('.audit li', { hasText: 'Resolved: dismissed' }).waitFor();
      }
      if (await page.locator('.back-link').isVisible()) await page.locator('.back-link').click();
    }
  });

  it('[L10] identical exceptions (same reason) are sent back together, one command each', async () => {
    const page = coordinator.page;
    await page.setViewportSize(VIEWPORTS.tablet);
    await page.goto('/exceptions');
    await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
    // What is open now (earlier tests resolved some), grouped by reason.
    const sorrel = ward.clients[1]!;
    const open = [...(await sorrel.syncAll()).tasks.values()].filter(
      (t) => t.kind === 'exception' && t.status !== 'completed' && t.status !== 'cancelled',
    );
    const byReason = new Map<string, Task[]>();
    for (const t of open) {
      const list = byReason.get(t.exception!.reasonCode) ?? [];
      list.push(t);
      byReason.set(t.exception!.reasonCode, list);
    }
    const alike = [...byReason.values()].sort((a, b) => b.length - a.length)[0]!;
    expect(alike.length).toBeGreaterThan(1);
    await openTask(page, alike[0]!);
    await page.getByRole('heading', { name: 'How does this exception end?' }).waitFor();
    await page.getByLabel(new RegExp(`^All ${alike.length} open exceptions like this one`)).check();
    await page.getByRole('button', { name: 'Send back upstream…' }).click();
    await page.getByLabel('Why send it back upstream?').selectOption('Wrong patient identifier');
    await page.getByRole('button', { name: `Send back ${alike.length}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Sent back upstream ${alike.length} exceptions` })
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'exceptions-bulk-undo-tablet.png') });
    // "Send now" skips the rest of the window; on a loaded machine the window may already have passed.
    const sendNow = page.getByRole('button', { name: 'Send now' });
    if (await sendNow.isVisible()) await sendNow.click();
    for (const t of alike)
      await page.locator(`.cards [data-task-id="${t.id}"]`).waitFor({ state: 'detached' });
    // The relay has each one, with the reason, once the outbox has sent them.
    await eventually(async () => {
      const tasks = (await sorrel.syncAll()).tasks;
      for (const t of alike)
        expect(tasks.get(t.id)?.resolution).toMatchObject({
          outcome: 'sent-upstream',
          note: 'Wrong patient identifier',
        });
      return true;
    }, 30_000);
  });
});
