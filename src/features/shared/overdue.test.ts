import { describe, expect, it } from 'vitest';
import { aResult, aTask, at, NOW, ref, nurse } from '../../domain/testing/fixtures';
import { isOverdue } from './badges';

const now = Date.parse(NOW);

describe('isOverdue: what the "Overdue" tag says', () => {
  it('a task past its due time is overdue while it is open', () => {
    expect(isOverdue(aTask({ dueAt: at('10:00') }), now)).toBe(true);
    expect(isOverdue(aTask({ dueAt: at('11:00') }), now)).toBe(false);
    expect(isOverdue(aTask({ dueAt: at('10:00'), status: 'completed' }), now)).toBe(false);
  });

  it('a result past its acknowledge-by time is overdue until someone acknowledges it', () => {
    const late = aResult({ dueAt: null, ackBy: at('10:30'), acknowledgedAt: null, acknowledgedBy: null });
    expect(isOverdue(late, now)).toBe(true);
    expect(isOverdue({ ...late, acknowledgedAt: at('10:35'), acknowledgedBy: ref(nurse) }, now)).toBe(false);
  });

  it('acknowledging does not meet a due time: work due at 10:00 is still overdue', () => {
    const task = aTask({ dueAt: at('10:00'), ackBy: at('09:30'), acknowledgedAt: at('09:20') });
    expect(isOverdue(task, now)).toBe(true);
  });
});
