import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openDevice, signIn, waitUntilLive } from '../helpers/browser';
import { startTestRelay, type TestRelay } from '../helpers/relay';
import { demoMorning, ingest } from '../helpers/ward-data';

/**
 * docs/SYNC.md S16, in real Chromium against a real relay serving the built PWA: a signed-in phone
 * reloading the unit queue (what Lighthouse audits) opens in short tasks — the domain's schemas in
 * their own task, the router made before the first render, only the cards on screen at first — and
 * none of that costs her a task: the list still holds every one, the cards beyond the screen follow
 * before she flicks, and the last card is reachable.
 */

let relay: TestRelay;
let browser: Browser;

beforeAll(async () => {
  relay = await startTestRelay({ STATIC_DIR: inject('pwaDir') });
  await ingest(relay.url, demoMorning(120));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

describe('[S16] a signed-in phone reloads the unit queue', () => {
  it('shows every task: the first cards, then the ones below the screen, down to the last', async () => {
    const nurse = await openDevice(browser, relay.url, 'phone');
    const page = nurse.page;
    await signIn(page, 'R. Okafor');
    await waitUntilLive(page, 60_000);
    await page.goto('/queue');
    const count = page.locator('.count', { hasText: /^\d+ tasks?\b/ });
    await count.waitFor({ timeout: 60_000 });
    await waitUntilLive(page, 60_000);
    const total = Number((await count.textContent())!.split(' ')[0]);
    expect(total).toBeGreaterThan(10);
    const cards = page.locator('li.card');
    await cards.first().waitFor();
    expect(await cards.first().getAttribute('aria-setsize')).toBe(String(total));

    // Cards below the bottom of the list's scroller are rendered without any scrolling: a flick then
    // never lands on blank space.
    await page.waitForFunction(() => {
      const scroller = document.querySelector('.card-scroll');
      if (!scroller) return false;
      const bottom = scroller.getBoundingClientRect().bottom;
      return [...document.querySelectorAll('li.card')].some((c) => c.getBoundingClientRect().top >= bottom);
    });

    // Down to the last task, following the end as cards are measured.
    await page.evaluate(async () => {
      const scroller = document.querySelector('.card-scroll')!;
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      for (
        let i = 0;
        i < 200 && scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 1;
        i++
      ) {
        scroller.scrollTop = scroller.scrollHeight;
        await frame();
        await frame();
      }
    });
    await page.locator(`li.card[aria-posinset="${total}"]`).waitFor();
    expect(nurse.errors).toEqual([]);
    await nurse.context.close();
  });
});
