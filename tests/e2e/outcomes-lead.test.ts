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
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * Issue #16, "Outcomes (coordinator)": "Overdue now" leads to its tasks (scrolled to), the tasks a
 * coordinator cannot open are named by kind and who leads them (docs/METRICS.md M18), the backlog by
 * reason is readable, and the period says "Last 24 hours (since …)". Real relay, real Chromium.
 */

const MINUTE = 60_000;
const SIZES: ViewportName[] = ['phone', 'tablet', 'desktop'];
const SHOTS = process.env.WARDLINE_SHOTS ?? '/tmp/shots-h16b';

let relay: TestRelay;
let browser: Browser;
let coordinator: Device;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

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

interface TasksBehind {
  total: number;
  hidden: number;
  tasks: Array<{ id: string; kind: string }>;
}

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  const ago = (minutes: number) => new Date(Date.now() - minutes * MINUTE).toISOString();
  const ingest = await devToken(relay.url, 'integration-engine');
  const events = [
    // Overdue discharges (the coordinator leads them) and overdue nurses' follow-ups (she does not).
    ...[0, 1, 2].map((i) =>
      routed(`ol-d${i}`, 1, { title: `Discharge ol-d${i}`, checklist: [], dueAt: ago(60 + i) }),
    ),
    ...[0, 1, 2, 3].map((i) =>
      routed(`ol-f${i}`, 1, {
        kind: 'follow-up',
        title: `Follow-up ol-f${i}`,
        candidateRoles: ['Nurse'],
        checklist: [],
        dueAt: ago(30 + i),
      }),
    ),
    exception('ol-x0', 'eligibility-failed'),
    exception('ol-x1', 'unmatched-identifier'),
    exception('ol-x2', 'validation-failed'),
    exception('ol-x3', 'duplicate-record'),
  ];
  expect((await postEvents(relay.url, ingest, events)).status).toBe(202);
  browser = await launchBrowser();
  coordinator = await openDevice(browser, relay.url, 'desktop');
  await signIn(coordinator.page, 'M. Sorrel');
  await waitUntilLive(coordinator.page);
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

async function relayOverdue(): Promise<TasksBehind> {
  const res = await fetch(`${relay.url}/api/metrics/tasks?metric=overdue&unit=4W`, {
    headers: { authorization: `Bearer ${await devToken(relay.url, 'coordinator-sorrel')}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as TasksBehind;
}

describe('[issue 16] Outcomes lead somewhere', () => {
  for (const size of SIZES) {
    it(`[M18] at ${size}: "Overdue now" scrolls to its tasks; what she cannot open is named; the period and the backlog read`, async () => {
      const page = coordinator.page;
      await page.setViewportSize(VIEWPORTS[size]);
      await page.goto('/outcomes?unit=4W');
      await page.getByRole('heading', { level: 1, name: 'Outcomes' }).waitFor();
      // The period: its name and where it starts, not "Yesterday 19:31 to 19:31".
      await page.getByText(/^4W · Last 24 hours \(since yesterday \d\d:\d\d\) · /).waitFor();

      // The backlog by reason: one row per reason, none overlapping.
      const backlog = page.getByRole('img', { name: /^Exception backlog now, by reason: / });
      await backlog.waitFor();
      expect(await backlog.getAttribute('aria-label')).toContain('Eligibility check failed 1');
      const labels = await page.locator('.hbar-label').evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return { top: r.top, bottom: r.bottom, right: r.right };
        }),
      );
      expect(labels).toHaveLength(4);
      for (let i = 1; i < labels.length; i++)
        expect(labels[i]!.top).toBeGreaterThanOrEqual(labels[i - 1]!.bottom);
      await shot(page, `coordinator-outcomes-${size}`);

      const expected = await relayOverdue();
      expect(expected.hidden).toBe(4);
      await page.locator('.tile[data-metric="overdue"]').click();
      const heading = page.getByRole('heading', { name: /^Tasks behind: Overdue now/ });
      await heading.waitFor();
      // Scrolled to and focused: what the tap asked for is on screen, not below the fold.
      await expect
        .poll(async () => {
          const box = await heading.boundingBox();
          return box !== null && box.y >= -1 && box.y + box.height <= VIEWPORTS[size].height;
        })
        .toBe(true);
      expect(await heading.evaluate((el) => el === document.activeElement)).toBe(true);
      // Only the page scrolled: the header and the phone's bar stay where they were.
      expect((await page.locator('.app-header').boundingBox())!.y).toBe(0);
      if (size === 'phone') {
        const bar = (await page.locator('.app-nav').boundingBox())!;
        expect(bar.y + bar.height).toBeCloseTo(VIEWPORTS.phone.height, 0);
        // A coordinator's six views fit the bar, none cut short.
        const cut = await page.evaluate(() =>
          [...document.querySelectorAll<HTMLElement>('.app-nav .nav-label')]
            .filter((el) => {
              const range = document.createRange();
              range.selectNodeContents(el.querySelector('.label-short') ?? el);
              return range.getBoundingClientRect().width > el.getBoundingClientRect().width + 0.5;
            })
            .map((el) => el.textContent),
        );
        expect(cut).toEqual([]);
      }
      const panel = page.locator('.tasks-behind');
      await panel
        .getByText(
          '7 tasks · 4 not yours to open: 4 follow-ups — nurses’ work, led by each unit’s charge nurse',
        )
        .waitFor();
      // She opens what she leads: every discharge the relay lists for her is a link.
      const links = panel.getByRole('link');
      await expect.poll(() => links.count()).toBe(expected.total - expected.hidden);
      expect(expected.tasks.every((t) => t.kind === 'discharge')).toBe(true);
      await shot(page, `coordinator-outcomes-overdue-${size}`);
      expect(await seriousA11yViolations(page), size).toEqual([]);
      if (size !== 'desktop') expect(await smallTargets(page), size).toEqual([]);

      await links.first().click();
      await page.waitForURL(/\/tasks\/ol-d\d$/);
      await page.getByRole('heading', { name: /^Discharge ol-d\d$/ }).waitFor();
    });
  }
});
