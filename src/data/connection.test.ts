import { describe, expect, it } from 'vitest';
import { FIRST_RETRY_SPREAD_MS, foreverRetry } from './connection';

const delay = (previousRetryCount: number) =>
  foreverRetry.nextRetryDelayInMilliseconds({
    previousRetryCount,
    elapsedMilliseconds: 0,
    retryReason: new Error('WebSocket closed with status code: 1006'),
  });

describe('the PWA reconnect policy', () => {
  it("spreads a dead relay's devices over the first retry window instead of sending them all at 0 s", () => {
    const firsts = Array.from({ length: 500 }, () => delay(0)!);
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...firsts)).toBeLessThan(FIRST_RETRY_SPREAD_MS);
    // 500 devices: each quarter of the window gets some of them (the chance one stays empty is ~1e-62).
    const quarters = new Set(firsts.map((d) => Math.floor(d / (FIRST_RETRY_SPREAD_MS / 4))));
    expect(quarters.size).toBe(4);
  });

  it('backs off with jitter to 30 s and never gives up', () => {
    expect(delay(1)).toBeGreaterThanOrEqual(800);
    expect(delay(1)).toBeLessThanOrEqual(1_200);
    for (const count of [6, 50, 10_000]) {
      const d = delay(count);
      expect(d).toBeGreaterThanOrEqual(24_000);
      expect(d).toBeLessThanOrEqual(36_000);
    }
  });
});
