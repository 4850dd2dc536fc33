import type { Browser } from 'playwright-core';
import { expect, inject } from 'vitest';
import {
  launchBrowser,
  seriousA11yViolations,
  smallTargets,
  type Device,
  type ViewportName,
} from './browser';
import type { WorklistClient } from './hub-client';
import { startTestRelay, type TestRelay } from './relay';
import { demoMorning, ingest, patientNames } from './ward-data';

/** What the screen tests over a demo morning share: the relay serving the PWA, its patients, a browser. */
export interface DemoWard {
  relay: TestRelay;
  browser: Browser;
  /** Every patient name in the morning: none may show in a title, a URL or a log. */
  names: string[];
  /** Hub clients the file's setup connects; stopped by `stop`. */
  clients: WorklistClient[];
  /** Stops the clients, closes the browser, then stops the relay. */
  stop(): Promise<void>;
}

/**
 * A relay serving the built PWA with a demo morning of `tasks` ingested; `prepare` runs before the
 * browser starts (hub clients shaping the morning go in `clients`).
 */
export async function startDemoWard(
  tasks: number,
  env: Record<string, string> = {},
  prepare: (ward: Omit<DemoWard, 'browser' | 'stop'>) => Promise<void> = async () => undefined,
): Promise<DemoWard> {
  const relay = await startTestRelay({ STATIC_DIR: inject('pwaDir'), ...env });
  const clients: WorklistClient[] = [];
  let browser: Browser | undefined;
  const stop = async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await browser?.close();
    await relay.stop();
  };
  try {
    const events = demoMorning(tasks);
    const names = patientNames(events);
    await ingest(relay.url, events);
    await prepare({ relay, names, clients });
    browser = await launchBrowser();
    return { relay, browser, names, clients, stop };
  } catch (error) {
    // A setup that fails half-way leaves no relay or client running.
    await stop();
    throw error;
  }
}

/**
 * One view at one size, as every screen test checks it: a screenshot (`shoot`), nothing serious for
 * axe, 44 px touch targets below desktop, and no patient name in the tab title.
 */
export async function checkView(
  ward: Pick<DemoWard, 'names'>,
  device: Device,
  size: ViewportName,
  name: string,
  shoot: () => Promise<unknown>,
): Promise<void> {
  await shoot();
  expect(await seriousA11yViolations(device.page), `${name} at ${size}`).toEqual([]);
  if (size !== 'desktop') expect(await smallTargets(device.page), `${name} at ${size}`).toEqual([]);
  const title = await device.page.title();
  for (const patient of ward.names) expect(title).not.toContain(patient);
}
