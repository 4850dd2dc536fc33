import { describe, expect, it } from 'vitest';
import { csvCell, csvFileName, isoWithOffset, minutes, reportToCsv } from '../../server/src/metrics/csv';
import type { OutcomeReport } from '../../server/src/metrics/outcomes';
import { nearestRank, nearestRankIndex } from '../../server/src/metrics/percentile';
import { parseWindow } from '../../server/src/metrics/window';

const NOW = new Date('2026-11-26T20:00:00.000Z');
const params = (query: string) => new URLSearchParams(query);

describe('[M3] nearest-rank percentiles', () => {
  it.each([
    // [values, p, expected]: rank = ceil(p/100 × n)
    [[5], 50, 5],
    [[5], 90, 5],
    [[1, 2], 50, 1],
    [[1, 2], 90, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, 10],
    [[3, 3, 3, 9], 50, 3],
  ])('%j at p%i is %i', (values, p, expected) => {
    expect(nearestRank(values, p)).toBe(expected);
  });

  it('has no value for no observations', () => {
    expect(nearestRank([], 50)).toBeNull();
    expect(nearestRankIndex(50, 0)).toBe(-1);
  });

  it('counts ranks exactly where p/100 × n is inexact in binary (0.28 × 25)', () => {
    expect(nearestRankIndex(28, 25)).toBe(6);
  });

  it.each([0, -1, 101, Number.NaN])('refuses p = %d', (p) => {
    expect(() => nearestRankIndex(p, 3)).toThrow(RangeError);
  });
});

describe('[M2] windows', () => {
  it.each([
    ['window=12h', '2026-11-26T08:00:00.000Z'],
    ['window=shift', '2026-11-26T08:00:00.000Z'],
    ['window=24h', '2026-11-25T20:00:00.000Z'],
    ['', '2026-11-25T20:00:00.000Z'],
    ['window=7d', '2026-11-19T20:00:00.000Z'],
  ])('%s ends now and starts at %s', (query, from) => {
    const result = parseWindow(params(query), NOW);
    expect(result).toMatchObject({ ok: true, window: { from, to: NOW.toISOString() } });
  });

  it('takes explicit times with an offset and stores them in UTC (an unencoded + included)', () => {
    expect(parseWindow(params('from=2026-11-26T09:00:00%2B01:00&to=2026-11-26T10:00:00Z'), NOW)).toEqual({
      ok: true,
      window: { name: null, from: '2026-11-26T08:00:00.000Z', to: '2026-11-26T10:00:00.000Z' },
    });
    expect(parseWindow(params('from=2026-11-26T09:00:00+01:00'), NOW)).toMatchObject({
      ok: true,
      window: { from: '2026-11-26T08:00:00.000Z', to: NOW.toISOString() },
    });
  });

  it.each([
    ['window=1y', /window must be one of/],
    ['window=24h&from=2026-11-26T00:00:00Z', /either window or from\/to/],
    ['to=2026-11-26T00:00:00Z', /from is required/],
    ['from=2026-11-26', /not an ISO-8601 time/],
    ['from=yesterday', /not an ISO-8601 time/],
    ['from=2026-11-26T10:00:00Z&to=2026-11-26T10:00:00Z', /before to/],
    ['from=2026-01-01T00:00:00Z&to=2026-11-26T00:00:00Z', /at most 92 days/],
  ])('refuses %s', (query, message) => {
    const result = parseWindow(params(query), NOW);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('[M12] the CSV export', () => {
  it.each([
    ['4W', '4W'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
  ])('writes the text %j as %s', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('writes numbers as they are, negative ones included, and nothing for absent values', () => {
    expect([csvCell(-1500), csvCell(0.6666666666666666), csvCell(null), csvCell(undefined)]).toEqual([
      '-1500',
      '0.6666666666666666',
      '',
      '',
    ]);
  });

  it('[M12] writes durations as minutes with one decimal, never as text', () => {
    expect([90_000, 60_000, 0, 3_599_999].map((ms) => csvCell(minutes(ms)))).toEqual([
      '1.5',
      '1.0',
      '0.0',
      '60.0',
    ]);
    expect(csvCell(minutes(null))).toBe('');
  });

  it('[M12] writes times as ISO 8601 in the relay’s time zone with its offset, the same instant', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'Europe/Amsterdam';
      expect(isoWithOffset('2026-11-26T08:00:00.000Z')).toBe('2026-11-26T09:00:00+01:00');
      expect(isoWithOffset('2026-07-01T08:00:00.000Z')).toBe('2026-07-01T10:00:00+02:00');
      process.env.TZ = 'America/St_Johns';
      expect(isoWithOffset('2026-11-26T08:00:00.000Z')).toBe('2026-11-26T04:30:00-03:30');
      expect(Date.parse(isoWithOffset('2026-11-26T08:00:00.000Z'))).toBe(
        Date.parse('2026-11-26T08:00:00.000Z'),
      );
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('has one row per figure and the window on every row', () => {
    process.env.TZ = 'UTC';
    const report: OutcomeReport = {
      window: { name: '24h', from: '2026-11-25T20:00:00.000Z', to: '2026-11-26T20:00:00.000Z' },
      generatedAt: '2026-11-26T20:00:00.000Z',
      units: ['4W'],
      percentiles: 'nearest-rank',
      figures: [
        {
          metric: 'time-to-claim',
          unit: '4W',
          kind: 'discharge',
          priority: 'all',
          count: 2,
          p50Ms: 60_000,
          p90Ms: 120_000,
          tasks: '/api/metrics/tasks?metric=time-to-claim&unit=4W&kind=discharge',
        },
        { metric: 'discharges-ready-on-time', unit: 'all', count: 3, met: 2, share: 2 / 3, tasks: '/x' },
      ],
    };
    const lines = reportToCsv(report).split('\r\n');
    expect(lines[0]).toBe(
      'metric,unit,kind,priority,level,reason,age,count,p50_min,p90_min,met,share,oldest_min,tasks_url,window_from,window_to',
    );
    expect(lines[1]).toBe(
      'time-to-claim,4W,discharge,all,,,,2,1.0,2.0,,,,/api/metrics/tasks?metric=time-to-claim&unit=4W&kind=discharge,2026-11-25T20:00:00+00:00,2026-11-26T20:00:00+00:00',
    );
    expect(lines[2]).toBe(
      'discharges-ready-on-time,all,,,,,,3,,,2,0.6666666666666666,,/x,2026-11-25T20:00:00+00:00,2026-11-26T20:00:00+00:00',
    );
    expect(lines[3]).toBe('');
    expect(csvFileName(report)).toBe('wardline-outcomes-24h-2026-11-26T2000Z.csv');
  });
});
