import { describe, expect, it } from 'vitest';
import { duration, relative } from './format';

const NOW = Date.parse('2026-11-26T10:00:00Z');

describe('time words', () => {
  it.each([
    [30_000, 'under 1 min'],
    [25 * 60_000, '25 min'],
    [60 * 60_000, '1 h'],
    [185 * 60_000, '3 h 5 min'],
    [26 * 3_600_000, '1 d 2 h'],
  ])('%i ms reads "%s"', (ms, words) => {
    expect(duration(ms)).toBe(words);
  });

  it('says whether a time is ahead or behind', () => {
    expect(relative('2026-11-26T10:25:00Z', NOW)).toBe('in 25 min');
    expect(relative('2026-11-26T09:35:00Z', NOW)).toBe('25 min ago');
    expect(relative(null, NOW)).toBe('—');
  });
});
