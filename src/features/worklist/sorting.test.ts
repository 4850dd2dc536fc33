import { describe, expect, it } from 'vitest';
import type { Task } from '../../domain';
import { aTask } from '../../domain/testing/fixtures';
import { matchesFilter } from './filters';
import { compareIds, compareUrgency, urgencyKey } from './sorting';

const NOW = Date.parse('2026-11-26T10:00:00Z');

/** The domain's fixture task, undated and claimed, so each test sets only what it orders by. */
function task(id: string, over: Partial<Task> = {}): Task {
  return aTask({
    id,
    status: 'accepted',
    dueAt: null,
    expectedDischargeAt: null,
    checklist: [],
    patient: { ref: 'Patient/1', name: 'Hazel Marsh', mrn: 'DEMO-000001', bed: '4W-01' },
    ...over,
  });
}

describe('My work order: overdue first, then due time, then priority', () => {
  it('puts overdue work first, undated work last, and STAT before routine at the same time', () => {
    const tasks = [
      task('undated', { priority: 'stat' }),
      task('later', { dueAt: '2026-11-26T12:00:00Z' }),
      task('soon-routine', { dueAt: '2026-11-26T10:30:00Z' }),
      task('soon-stat', { dueAt: '2026-11-26T10:30:00Z', priority: 'stat' }),
      task('overdue', { dueAt: '2026-11-26T09:00:00Z' }),
      task('result', { ackBy: '2026-11-26T09:55:00Z', kind: 'result-ack' }),
    ];
    expect(tasks.sort((a, b) => compareUrgency(a, b, NOW)).map((t) => t.id)).toEqual([
      'overdue',
      'result',
      'soon-stat',
      'soon-routine',
      'later',
      'undated',
    ]);
  });

  it('does not call closed work overdue', () => {
    const done = task('done', { dueAt: '2026-11-26T09:00:00Z', status: 'completed' });
    const open = task('open', { dueAt: '2026-11-26T09:30:00Z' });
    expect([done, open].sort((a, b) => compareUrgency(a, b, NOW)).map((t) => t.id)).toEqual(['open', 'done']);
  });
});

describe('filter', () => {
  it('matches every word against patient, bed and title, ignoring case', () => {
    const t = task('a');
    expect(matchesFilter(t, 'hazel 4w-01', NOW)).toBe(true);
    expect(matchesFilter(t, '  ', NOW)).toBe(true);
    expect(matchesFilter(t, 'hazel 5E', NOW)).toBe(false);
  });
});

describe('the urgency order worked out once per task (a 5,000-task list sorts by keys)', () => {
  it('orders tasks exactly as compareUrgency does', () => {
    const priorities = ['stat', 'asap', 'urgent', 'routine'] as const;
    const tasks = Array.from({ length: 400 }, (_, i) => {
      const minutes = ((i * 37) % 240) - 120;
      const at = new Date(NOW + minutes * 60_000).toISOString();
      return task(`t${(i * 7919) % 400}`, {
        priority: priorities[i % 4]!,
        ...(i % 5 === 0 ? { dueAt: null } : i % 5 === 1 ? { kind: 'result-ack', ackBy: at } : { dueAt: at }),
        ...(i % 9 === 0 ? { status: 'completed' as const } : {}),
        ...(i % 11 === 0 ? { acknowledgedAt: at } : {}),
      });
    });
    const byCompare = [...tasks].sort((a, b) => compareUrgency(a, b, NOW)).map((t) => t.id);
    const keyed = tasks.map((t) => ({ t, key: urgencyKey(t, NOW) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i]! < b.key[i]! ? -1 : 1;
      return compareIds(a.t.id, b.t.id);
    });
    expect(keyed.map((k) => k.t.id)).toEqual(byCompare);
  });
});
