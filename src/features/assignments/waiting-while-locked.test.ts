import { describe, expect, it } from 'vitest';
import type { Alert } from '../../domain';
import { unlockTarget, waitingOf, waitingWords } from './waiting-while-locked';

function alert(id: string, kind?: Alert['kind']): Alert {
  return {
    id,
    taskIds: [`task-${id}`],
    unit: '4W',
    level: 1,
    repeats: 0,
    targetRole: 'AssignedNurse',
    scope: 'unit',
    priority: 'stat',
    title: 'K+ 6.7 mmol/L',
    bed: '4W-03',
    at: '2026-12-03T12:00:00.000Z',
    nextAt: null,
    ...(kind ? { kind } : {}),
  };
}

describe('[A-P6] the lock screen counts what waits, with no patient in its words', () => {
  it('counts escalations and new stat items; a handover alert is not hers to answer', () => {
    const alerts = [alert('a'), alert('b', 'escalation'), alert('c', 'patient'), alert('d', 'handover')];
    expect(waitingOf(alerts)).toEqual({ escalations: 2, newItems: 1 });
    expect(waitingWords(waitingOf(alerts))).toBe('2 escalations and 1 new stat item waiting');
    expect(waitingWords({ escalations: 1, newItems: 0 })).toBe('1 escalation waiting');
    expect(waitingWords({ escalations: 0, newItems: 0 })).toBeNull();
  });
  it('unlocking opens the one waiting task, or the list when several wait', () => {
    expect(unlockTarget([alert('a')], false)).toBe('/tasks/task-a');
    expect(unlockTarget([alert('a'), alert('b', 'patient')], true)).toBe('/escalations');
    expect(unlockTarget([alert('a'), alert('b', 'patient')], false)).toBe('/my-work');
    expect(unlockTarget([alert('d', 'handover')], false)).toBeNull();
  });
});
