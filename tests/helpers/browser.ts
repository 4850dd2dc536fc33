import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './relay';

/**
 * Real headless Chromium for the PWA's end-to-end tests: Debian's `chromium`, never a downloaded
 * browser. One browser per test file; each simulated device is its own context (its own IndexedDB,
 * localStorage and cookies), as separate tablets and phones would be.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const path = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  if (!path) throw new Error("Debian's chromium is not installed: apt-get install -y chromium");
  return path;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  tablet: { width: 820, height: 1180 },
  desktop: { width: 1440, height: 900 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export interface Device {
  context: BrowserContext;
  page: Page;
  /** Every console line and page error, to check that no patient data is ever printed. */
  console: string[];
  /** Console errors and uncaught page errors (CSP violations show up here). */
  errors: string[];
  /** Every URL the page was at, including pushState navigations. */
  urls: string[];
}

/**
 * A fresh device (browser context) at `baseURL`, recording its console, errors and URLs.
 * `trustTestAuthority`: the test's OpenID provider serves HTTPS with a certificate from a CA the test
 * made; this device accepts it (as a hospital tablet trusts its real authority).
 */
export async function openDevice(
  browser: Browser,
  baseURL: string,
  viewport: ViewportName,
  { trustTestAuthority = false }: { trustTestAuthority?: boolean } = {},
): Promise<Device> {
  const context = await browser.newContext({
    baseURL,
    ...(trustTestAuthority ? { ignoreHTTPSErrors: true } : {}),
    viewport: VIEWPORTS[viewport],
    hasTouch: viewport !== 'desktop',
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const device: Device = { context, page, console: [], errors: [], urls: [] };
  page.on('console', (msg) => {
    device.console.push(msg.text());
    if (msg.type() === 'error') device.errors.push(msg.text());
  });
  page.on('pageerror', (error) => device.errors.push(String(error)));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) device.urls.push(frame.url());
  });
  // Client-side navigations (pushState) do not fire `framenavigated` in every version: record them too.
  await page.exposeFunction('__wardlineUrl', (url: string) => device.urls.push(url));
  await page.addInitScript(() => {
    const w = window as unknown as { __wardlineUrl(url: string): void };
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method].bind(history);
      history[method] = (...args: Parameters<History['pushState']>) => {
        original(...args);
        void w.__wardlineUrl(location.href);
      };
    }
  });
  return device;
}

/** Signs in on the demo sign-in screen by tapping the staff member's name, as a person would. */
export async function signIn(page: Page, staffName: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: new RegExp(`^${escapeRegExp(staffName)}\\b`) }).click();
  await page.locator('.my-name', { hasText: staffName }).waitFor();
}

/** Waits until the header says the worklist is live and synced. */
export async function waitUntilLive(page: Page, timeout = 15_000): Promise<void> {
  await page.locator('.link-live', { hasText: 'Last synced at' }).waitFor({ timeout });
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A free loopback port, for a relay that must come back on the same address after a restart. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Names of the IndexedDB databases on the page's origin. */
export function databaseNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}

/**
 * Polls an async check in the page until it returns something other than false. (`waitForFunction`
 * treats the Promise an async function returns as truthy at once.)
 */
export async function pollPage<T>(
  page: Page,
  check: () => Promise<T | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await page.evaluate(check);
    if (value !== false) return value as T;
    if (Date.now() > deadline) throw new Error('the page never got there');
    await page.waitForTimeout(100);
  }
}

/**
 * The service worker has installed (the app shell is precached) and controls the page: from then on
 * the app opens with no network. A test that cuts the network before this tests nothing offline.
 */
export async function waitForWorker(page: Page): Promise<void> {
  await pollPage(page, async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration?.active?.state === 'activated' && navigator.serviceWorker.controller !== null;
  });
}

/** Opens the unit queue from the navigation, as a nurse would. */
export async function openUnitQueue(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('link', { name: /^Unit queue/ })
    .click();
}

/** Records, from the page's next first paint on, whether a text ever appears anywhere in it (`sawText`). */
export async function watchForText(page: Page, text: string): Promise<void> {
  await page.addInitScript((needle: string) => {
    const w = window as unknown as { __sawIt?: boolean };
    w.__sawIt = false;
    const check = () => {
      if (document.documentElement.textContent?.includes(needle)) w.__sawIt = true;
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  }, text);
}

/** Whether the text given to `watchForText` has appeared since. */
export function sawText(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __sawIt: boolean }).__sawIt);
}

/**
 * Elements a finger must hit that are smaller than 44 × 44 px. Checkboxes and radios count by the
 * label that wraps them (the whole label is the target).
 */
export function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const small: string[] = [];
    const targets = document.querySelectorAll<HTMLElement>(
      'button, a[href], summary, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea, ' +
        'label.check, label.severity-choice, label.holder-check, label.held-choice',
    );
    for (const el of targets) {
      if (el.classList.contains('skip-link')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not displayed
      if (r.width < 43.5 || r.height < 43.5)
        small.push(
          `${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.width)}×${Math.round(r.height)}`,
        );
    }
    return small;
  });
}
