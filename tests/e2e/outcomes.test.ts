import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Command } from '../../src/domain';
import type { Figure, OutcomeReport } from '../../server/src/metrics';
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
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';

/**
 * Issue #10's dashboard in real Chromium against a real relay serving the built PWA: a seeded hour of
 * work on an injected clock (claims, acknowledgements, resolutions, escalations, open exceptions), then
 * the dashboard's charts drawn, its table carrying exactly the relay's numbers, each number leading to
 * its tasks, the CSV downloaded, axe finding nothing, and a nurse told in a sentence that it is not hers.
 */

const MINUTE = 60_000;
// 4W discharges claimed and resolved at these minutes after arrival; one 5E discharge.
const CLAIM = [3, 7, 12, 20, 5, 9];
const RESOLVE = [30, 25, 41, 50, 35, 28];
// 4W stat results due for acknowledgement at minute 10, acknowledged at these minutes (two escalate).
const STAT_ACK = [4, 16, 25];
/** The series colour of every chart (src/features/outcomes/chart.tsx `SERIES_COLOURS.primary`). */
const SERIES_RGB = [11, 83, 148];
/** A string only uPlot's code holds: the class of its cursor points. */
const UPLOT_MARK = 'u-cursor-pt';

const clock = new FakeClock();
let relay: TestRelay;
let browser: Browser;
const clients: WorklistClient[] = [];

function exception(id: string, reasonCode: string) {
  return {
    specversion: '1.0',
    id: `evt-${id}`,
    source: 'urn:wardline:test',
    type: 'wardline.exception.raised',
    subject: id,
    data: { taskId: id, revision: 1, reasonCode, title: `Exception ${id}`, priority: 'urgent', unit: '4W' },
  };
}

beforeAll(async () => {
  // The charge-nurse-first chain these figures were written for (the assigned nurse's level: ASSIGNMENTS.md).
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir'), ...chargeNurseFirstEnv() }, { clock });
  const t0 = clock.now().getTime();
  const at = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();
  const ingest = await devToken(relay.url, 'integration-engine');
  const events = [
    ...CLAIM.map((_, i) => routed(`oc-d${i}`, 1, { title: `Discharge d${i}`, checklist: [] })),
    routed('oc-e0', 1, { unit: '5E', title: 'Discharge e0', checklist: [] }),
    ...STAT_ACK.map((_, i) =>
      routed(`oc-r${i}`, 1, {
        kind: 'result-ack',
        title: `Potassium result r${i}`,
        priority: 'stat',
        candidateRoles: ['Nurse', 'ChargeNurse'],
        checklist: [],
        ackBy: at(10),
      }),
    ),
    exception('oc-x0', 'eligibility-failed'),
    exception('oc-x1', 'unmatched-identifier'),
  ];
  expect((await postEvents(relay.url, ingest, events)).status).toBe(202);

  const people = {
    okafor: await connectAs(relay.url, 'nurse-okafor'),
    marchbank: await connectAs(relay.url, 'charge-4w-marchbank'),
    quillon: await connectAs(relay.url, 'nurse-quillon'),
  };
  clients.push(...Object.values(people));
  type Step = { minute: number; who: keyof typeof people; taskId: string; type: Command['type'] };
  const steps: Step[] = [
    ...CLAIM.map((m, i): Step => ({ minute: m, who: 'okafor', taskId: `oc-d${i}`, type: 'claim' })),
    ...RESOLVE.map((m, i): Step => ({ minute: m, who: 'okafor', taskId: `oc-d${i}`, type: 'resolve' })),
    ...STAT_ACK.map((m, i): Step => ({
      minute: m,
      who: 'marchbank',
      taskId: `oc-r${i}`,
      type: 'acknowledge',
    })),
    { minute: 8, who: 'quillon', taskId: 'oc-e0', type: 'claim' },
    { minute: 33, who: 'quillon', taskId: 'oc-e0', type: 'resolve' },
  ];
  steps.sort((a, b) => a.minute - b.minute);
  for (const step of steps) {
    await clock.advance(t0 + step.minute * MINUTE - clock.now().getTime());
    const result = await people[step.who].execute(step.taskId, step.type);
    expect(result.status, `${step.type} ${step.taskId} at minute ${step.minute}`).toBe('applied');
  }
  await clock.advance(t0 + 70 * MINUTE - clock.now().getTime());
  browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await browser?.close();
  await relay?.stop();
});

/** The relay's own report for the same window, asked with the same person's token. */
async function relayReport(staffId: string, query = 'window=24h'): Promise<OutcomeReport> {
  const res = await fetch(`${relay.url}/api/metrics/outcomes?${query}`, {
    headers: { authorization: `Bearer ${await devToken(relay.url, staffId)}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as OutcomeReport;
}

const DIMENSIONS = ['unit', 'kind', 'priority', 'level', 'reason', 'age'] as const;
/** The table row's `data-figure`, built here from the relay's figure (not by the app's code). */
function figureKey(f: Figure): string {
  return [f.metric, ...DIMENSIONS.filter((d) => f[d] !== undefined).map((d) => `${d}=${f[d]}`)].join(' ');
}
const rollUpPerUnit = (f: Figure) =>
  DIMENSIONS.every((d) => d === 'unit' || f[d] === undefined || f[d] === 'all');

/** Every row of the dashboard's tables as its key and the machine values of its `<data>` cells. */
function tableRows(page: Page): Promise<Map<string, string[]>> {
  return page
    .locator('table.numbers tbody tr')
    .evaluateAll((rows) =>
      rows.map((r): [string, string[]] => [
        r.getAttribute('data-figure') ?? '',
        [...r.querySelectorAll('data')].map((d) => d.getAttribute('value') ?? ''),
      ]),
    )
    .then((entries) => new Map(entries));
}

/** The values the table must carry for a figure, in its column order: count, then p50/p90, met/share, oldest. */
function expectedCells(f: Figure): string[] {
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const cells = [String(f.count)];
  if (f.p50Ms !== undefined) cells.push(cell(f.p50Ms), cell(f.p90Ms));
  if (f.share !== undefined) cells.push(String(f.met ?? 0), cell(f.share));
  if (f.oldestMs !== undefined) cells.push(cell(f.oldestMs));
  return cells;
}

/** Pixels of the series colour in each chart canvas: 0 means nothing was drawn but axes. */
function seriesPixels(page: Page): Promise<number[]> {
  return page.locator('.chart canvas').evaluateAll((canvases, rgb) => {
    return canvases.map((el) => {
      const canvas = el as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const near =
          Math.abs(data[i]! - rgb[0]!) + Math.abs(data[i + 1]! - rgb[1]!) + Math.abs(data[i + 2]! - rgb[2]!);
        if (near < 30 && data[i + 3]! > 200) n++;
      }
      return n;
    });
  }, SERIES_RGB);
}

/** Every axe violation of any impact, under the same WCAG tags as the other e2e tests. */
async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

async function openOutcomes(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Outcomes' }).click();
  await page.getByRole('heading', { level: 1, name: 'Outcomes' }).waitFor();
  await page.locator('table.numbers').first().waitFor();
}

describe('[issue 10] the outcomes dashboard', () => {
  let coordinator: Device;
  /** The text of every JavaScript file the coordinator's device downloaded, in order. */
  const scripts: Array<Promise<string>> = [];

  beforeAll(async () => {
    coordinator = await openDevice(browser, relay.url, 'desktop');
    coordinator.page.on('response', (res) => {
      if (res.url().endsWith('.js')) scripts.push(res.text().catch(() => ''));
    });
  });

  it('the sign-in page and the worklist do not download the chart library; the dashboard does', async () => {
    await coordinator.page.goto('/');
    await coordinator.page.getByRole('button', { name: /^M\. Sorrel\b/ }).waitFor();
    const atSignIn = scripts.length;
    expect(atSignIn).toBeGreaterThan(0);
    await signIn(coordinator.page, 'M. Sorrel');
    await waitUntilLive(coordinator.page);
    await coordinator.page.getByRole('heading', { level: 1, name: 'Discharges' }).waitFor();
    const beforeDashboard = (await Promise.all(scripts)).filter((text) => text.includes(UPLOT_MARK));
    expect(beforeDashboard).toEqual([]);
    await openOutcomes(coordinator.page);
    const all = await Promise.all(scripts);
    expect(all.some((text) => text.includes(UPLOT_MARK))).toBe(true);
  });

  it('[M12] the table carries exactly the relay’s numbers, per unit and in every breakdown', async () => {
    const page = coordinator.page;
    const report = await relayReport('coordinator-sorrel');
    expect(report.units).toEqual(['4W', '5E', 'ICU']);
    const compact = report.figures.filter(rollUpPerUnit);
    let rows = await tableRows(page);
    expect([...rows.keys()]).toEqual(compact.map(figureKey));
    for (const f of compact) expect(rows.get(figureKey(f)), figureKey(f)).toEqual(expectedCells(f));

    // The seeded hour is in there: 7 discharges claimed (6 on 4W, 1 on 5E), and the 3 stat results the
    // charge nurse acknowledged unowned, which made them hers (HANDOFFS.md HO9, METRICS.md M1).
    const claims4w = compact.find((f) => f.metric === 'time-to-claim' && f.unit === '4W')!;
    expect(claims4w.count).toBe(CLAIM.length + STAT_ACK.length);
    const allClaims = compact.find((f) => f.metric === 'time-to-claim' && f.unit === 'all')!;
    expect(allClaims.count).toBe(CLAIM.length + 1 + STAT_ACK.length);
    // Nearest-rank p50 of 3, 4, 5, 7, 8, 9, 12, 16, 20, 25 minutes: the 5th.
    expect(allClaims.p50Ms).toBe(8 * MINUTE);
    const row = page.locator(`tr[data-figure="${figureKey(allClaims)}"]`);
    expect(await row.locator('td').nth(1).textContent()).toBe('8 min');

    await page.getByRole('checkbox', { name: /Break down by kind/ }).check();
    await page
      .locator(`tr[data-figure="${figureKey(report.figures.find((f) => !rollUpPerUnit(f))!)}"]`)
      .waitFor();
    rows = await tableRows(page);
    expect([...rows.keys()]).toEqual(report.figures.map(figureKey));
    for (const f of report.figures) expect(rows.get(figureKey(f)), figureKey(f)).toEqual(expectedCells(f));
    await page.getByRole('checkbox', { name: /Break down by kind/ }).uncheck();
  });

  it('draws the trend, the backlog and the escalations (the canvases hold the series colour)', async () => {
    const page = coordinator.page;
    const report = await relayReport('coordinator-sorrel');
    // Level 1: the two stat results acknowledged late (at their deadline) and the two exceptions left
    // unclaimed for 30 minutes (the default policies); level 2: the result still unacknowledged at 20.
    const level = (l: string) =>
      report.figures.find((f) => f.metric === 'escalations' && f.unit === 'all' && f.level === l);
    expect(level('1')?.count).toBe(4);
    expect(level('2')?.count).toBe(1);
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(3);
    const pixels = await seriesPixels(page);
    expect(pixels, 'trend, backlog by unit, escalations by level').toHaveLength(3);
    for (const n of pixels) expect(n).toBeGreaterThan(50);
    await expect(
      page.getByRole('img', { name: /Exception backlog now, by unit: 4W 2, 5E 0, ICU 0/ }).count(),
    ).resolves.toBe(1);
    await expect(
      page.getByRole('img', { name: /Escalations by level: Level 1 4, Level 2 1/ }).count(),
    ).resolves.toBe(1);
  });

  it('axe finds no violations; the URL and title carry no patient data', async () => {
    const page = coordinator.page;
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.title()).toBe('Outcomes — Wardline');
    expect(new URL(page.url()).pathname).toBe('/outcomes');
    await screenshot(page, 'outcomes-desktop-1440x900');
    await page.setViewportSize({ width: 1440, height: 2400 });
    await screenshot(page, 'outcomes-desktop-full');
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(coordinator.errors).toEqual([]);
  });

  it('each number leads to its tasks, and each task to its page', async () => {
    const page = coordinator.page;
    await page.locator('.tile[data-metric="time-to-resolve"]').click();
    const panel = page.locator('.tasks-behind');
    await panel.getByRole('heading', { name: /Tasks behind: Time to resolve/ }).waitFor();
    // A coordinator may open discharges (all 7), not the 4W results (resolving acknowledged none here).
    const links = panel.getByRole('link');
    await expect.poll(() => links.count()).toBe(CLAIM.length + 1);
    // Slowest first: d3 took 50 minutes.
    expect(await links.first().textContent()).toContain('Discharge d3');
    expect(await panel.locator('.task-value').first().textContent()).toBe('50 min');
    expect(await axeViolations(page)).toEqual([]);
    await links.first().click();
    await page.waitForURL('**/tasks/oc-d3');
    await page.getByRole('heading', { name: 'Discharge d3' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Outcomes' }).waitFor();
  });

  it('[M12] the CSV download is the relay’s CSV, with its header row', async () => {
    const page = coordinator.page;
    await page.locator('table.numbers').first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^wardline-outcomes-24h-\d{4}-\d{2}-\d{2}T\d{4}Z\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'metric,unit,kind,priority,level,reason,age,count,p50_ms,p90_ms,met,share,oldest_ms,tasks_url,window_from,window_to',
    );
    const report = await relayReport('coordinator-sorrel');
    expect(lines).toHaveLength(report.figures.length + 1);
    const res = await fetch(`${relay.url}/api/metrics/outcomes.csv?window=24h`, {
      headers: { authorization: `Bearer ${await devToken(relay.url, 'coordinator-sorrel')}` },
    });
    expect(text).toBe(await res.text());
    // The token travelled in a header: no URL the page visited carries it.
    expect(coordinator.urls.every((u) => !/token|eyJ/.test(u))).toBe(true);
  });

  it('the period and unit are in the URL, and the numbers follow them', async () => {
    const page = coordinator.page;
    await page.getByRole('combobox', { name: 'Period' }).selectOption('7d');
    await expect.poll(() => new URL(page.url()).search).toBe('?period=7d');
    await page.getByRole('combobox', { name: 'Unit' }).selectOption('5E');
    await expect.poll(() => new URL(page.url()).search).toBe('?period=7d&unit=5E');
    const report = await relayReport('coordinator-sorrel', 'window=7d&unit=5E');
    const compact = report.figures.filter(rollUpPerUnit);
    await expect.poll(async () => [...(await tableRows(page)).keys()]).toEqual(compact.map(figureKey));
    const rows = await tableRows(page);
    for (const f of compact) expect(rows.get(figureKey(f)), figureKey(f)).toEqual(expectedCells(f));
    expect(compact.find((f) => f.metric === 'time-to-resolve' && f.unit === 'all')?.count).toBe(1);
  });
});

describe('[M11] who sees the dashboard', () => {
  it('a charge nurse on a phone: Outcomes in her navigation, her unit’s numbers, no violations', async () => {
    const charge = await openDevice(browser, relay.url, 'phone');
    try {
      await signIn(charge.page, 'H. Marchbank');
      await waitUntilLive(charge.page);
      await openOutcomes(charge.page);
      const report = await relayReport('charge-4w-marchbank');
      expect(report.units).toEqual(['4W']);
      const rows = await tableRows(charge.page);
      const compact = report.figures.filter(rollUpPerUnit);
      expect([...rows.keys()]).toEqual(compact.map(figureKey));
      for (const f of compact) expect(rows.get(figureKey(f)), figureKey(f)).toEqual(expectedCells(f));
      // One unit: no unit choice, and the backlog is broken down by reason instead.
      expect(await charge.page.getByRole('combobox', { name: 'Unit' }).count()).toBe(0);
      await charge.page.getByRole('img', { name: /Exception backlog now, by reason/ }).waitFor();
      for (const n of await seriesPixels(charge.page)) expect(n).toBeGreaterThan(20);
      expect(await axeViolations(charge.page)).toEqual([]);
      await screenshot(charge.page, 'outcomes-phone-390x844');
      await charge.page.locator('table.numbers').first().scrollIntoViewIfNeeded();
      await screenshot(charge.page, 'outcomes-phone-table');
      await charge.page.setViewportSize({ width: 820, height: 1180 });
      await charge.page.getByRole('heading', { level: 1, name: 'Outcomes' }).scrollIntoViewIfNeeded();
      await screenshot(charge.page, 'outcomes-tablet-820x1180');
      expect(await axeViolations(charge.page)).toEqual([]);
      expect(charge.errors).toEqual([]);
    } finally {
      await charge.context.close();
    }
  });

  it('a nurse has no Outcomes entry, and the page tells her in a sentence that it is not for her role', async () => {
    const nurse = await openDevice(browser, relay.url, 'tablet');
    try {
      await signIn(nurse.page, 'R. Okafor');
      await waitUntilLive(nurse.page);
      const nav = nurse.page.getByRole('navigation', { name: 'Views' });
      await nav.getByRole('link', { name: /My work/ }).waitFor();
      expect(await nav.getByRole('link', { name: 'Outcomes' }).count()).toBe(0);
      await nurse.page.goto('/outcomes');
      const alert = nurse.page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.locator('p').textContent()).toBe(
        'The outcome metrics are for coordinators, charge nurses and house supervisors.',
      );
      expect(await nurse.page.locator('table.numbers').count()).toBe(0);
      expect(await nurse.page.getByRole('button', { name: 'Download CSV' }).count()).toBe(0);
      await alert.getByRole('link', { name: 'Go to your worklist' }).waitFor();
      await screenshot(nurse.page, 'outcomes-refused-tablet');
      // The refusal is the relay's 403 shown as a sentence; nothing crashed.
      expect(nurse.errors.filter((e) => !e.includes('403'))).toEqual([]);
    } finally {
      await nurse.context.close();
    }
  });
});
