import { describe, expect, it } from 'vitest';
import type { Task } from '../../domain';
import { aTask, anException } from '../../domain/testing/fixtures';
import {
  matchesFilter,
  matchesQuick,
  NO_QUICK_FILTERS,
  quickFilterSearch,
  readQuickFilters,
} from './filters';

const NOW = Date.parse('2026-11-26T10:00:00Z');

function task(over: Partial<Task> = {}): Task {
  return aTask({ dueAt: null, expectedDischargeAt: null, ...over });
}

describe('the filter matches what the row shows', () => {
  it.each([
    ['STAT', task({ priority: 'stat' })],
    ['urgent', task({ priority: 'urgent' })],
    ['overdue', task({ dueAt: '2026-11-26T09:00:00Z' })],
    ['unclaimed', task({ owner: null })],
    ['LIS', anException()],
    ['MSG-0007', anException()],
    ['identifier not matched', anException()],
  ])('"%s" finds it', (words, t) => {
    expect(matchesFilter(t, words, NOW)).toBe(true);
  });

  it('"overdue" does not find work due later, "stat" does not find routine work', () => {
    expect(matchesFilter(task({ dueAt: '2026-11-26T11:00:00Z' }), 'overdue', NOW)).toBe(false);
    expect(matchesFilter(task({ priority: 'routine' }), 'stat', NOW)).toBe(false);
  });
});

describe('quick filters in the URL', () => {
  it('round-trip through the query string, in a fixed order', () => {
    const filters = {
      unit: '4W',
      kind: 'discharge',
      priority: 'stat',
      overdue: true,
      escalating: true,
    } as const;
    const search = quickFilterSearch(filters);
    expect(search).toBe('?unit=4W&kind=discharge&priority=stat&overdue=1&escalating=1');
    expect(readQuickFilters(new URLSearchParams(search))).toEqual(filters);
    expect(quickFilterSearch(NO_QUICK_FILTERS)).toBe('');
  });

  it('ignore anything that is not a known value: free text never becomes a filter', () => {
    const read = readQuickFilters(
      new URLSearchParams('unit=Hazel%20Marsh&kind=person&priority=high&overdue=yes'),
    );
    expect(read).toEqual(NO_QUICK_FILTERS);
  });

  it('narrow by unit, kind, priority and overdue together', () => {
    const filters = { ...NO_QUICK_FILTERS, unit: '4W', priority: 'stat' as const, overdue: true };
    expect(
      matchesQuick(task({ unit: '4W', priority: 'stat', dueAt: '2026-11-26T09:00:00Z' }), filters, NOW),
    ).toBe(true);
    expect(
      matchesQuick(task({ unit: '5E', priority: 'stat', dueAt: '2026-11-26T09:00:00Z' }), filters, NOW),
    ).toBe(false);
    expect(matchesQuick(task({ unit: '4W', priority: 'stat' }), filters, NOW)).toBe(false);
  });
});
