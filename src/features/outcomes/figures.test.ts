import { describe, expect, it } from 'vitest';
import {
  breakdown,
  describeFigure,
  formatMs,
  formatShare,
  headline,
  hiddenWords,
  isUnitRollUp,
} from './figures';
import type { Figure } from './outcomes-api';

const fig = (metric: string, dims: Partial<Figure>, count = 1): Figure => ({
  metric,
  unit: 'all',
  count,
  tasks: `/api/metrics/tasks?metric=${metric}`,
  ...dims,
});

const escalations = [
  fig('escalations', { level: 'all' }, 5),
  fig('escalations', { level: '1' }, 4),
  fig('escalations', { level: '2' }, 1),
  fig('escalations', { unit: '4W', level: 'all' }, 5),
  fig('escalations', { unit: '4W', level: '1' }, 4),
  fig('escalations', { unit: '4W', level: '2' }, 1),
  fig('escalations', { unit: '5E', level: 'all' }, 0),
];

describe('the dashboard’s view of the relay’s figures', () => {
  it('a chart’s bars are one dimension with the others rolled up, never the roll-up itself', () => {
    expect(breakdown(escalations, 'escalations', 'level').map((b) => [b.value, b.figure.count])).toEqual([
      ['1', 4],
      ['2', 1],
    ]);
    expect(breakdown(escalations, 'escalations', 'unit').map((b) => [b.value, b.figure.count])).toEqual([
      ['4W', 5],
      ['5E', 0],
    ]);
  });

  it('the headline is the figure with every dimension rolled up', () => {
    expect(headline(escalations, 'escalations')?.count).toBe(5);
    expect(headline(escalations, 'overdue')).toBeUndefined();
  });

  it('the compact table keeps one row per unit and the all-units row', () => {
    expect(escalations.filter(isUnitRollUp).map((f) => f.unit)).toEqual(['all', '4W', '5E']);
  });

  it.each([
    [null, '—'],
    [undefined, '—'],
    [0, '0 s'],
    [45_400, '45 s'],
    [420_000, '7 min'],
    [4_200_000, '1 h 10 min'],
  ])('a duration of %s ms reads "%s"', (ms, words) => {
    expect(formatMs(ms)).toBe(words);
  });

  it('shares are whole percentages; an empty share is a dash, not 0 %', () => {
    expect(formatShare(2 / 3)).toBe('67 %');
    expect(formatShare(null)).toBe('—');
  });

  it('a figure is described in words for headings and screen readers', () => {
    expect(
      describeFigure(fig('time-to-claim', { unit: '4W', kind: 'result-ack', priority: 'all', p50Ms: 1 })),
    ).toBe('Time to claim · 4W · Result to acknowledge');
    expect(describeFigure(fig('escalations', { level: '2' }))).toBe('Escalations · All units · Level 2');
  });
});

describe('[M18] what the tasks a coordinator cannot open are', () => {
  it('names them by kind, most first, and who leads them', () => {
    expect(hiddenWords(14, { 'follow-up': 5, 'result-ack': 9 })).toBe(
      '14 not yours to open: 9 results to acknowledge, 5 follow-ups — nurses’ work, led by each unit’s charge nurse',
    );
    expect(hiddenWords(1, { 'result-ack': 1 })).toContain('1 not yours to open: 1 result to acknowledge');
    expect(hiddenWords(0, {})).toBe('');
    // An older relay without the breakdown still says how many.
    expect(hiddenWords(3, undefined)).toBe(
      '3 not yours to open — nurses’ work, led by each unit’s charge nurse',
    );
  });
});
