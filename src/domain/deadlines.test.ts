import { describe, expect, it } from 'vitest';
import { decide } from './decide';
import { isAckOverdue, isPastDeadline, openDeadline } from './deadlines';
import { NOW, aResult, aTask, at, chargeNurse, ref } from './testing/fixtures';

const now = Date.parse(NOW);

describe('deadlines', () => {
  it('[HO9] an unacknowledged result past its ack-by time is overdue for acknowledgement', () => {
    const task = aResult({ ackBy: at('10:30') });
    expect(isAckOverdue(task, now)).toBe(true);
    expect(isPastDeadline(task, now)).toBe(true);
  });

  it('[HO9] once acknowledged it is never overdue for acknowledgement, and has an owner', () => {
    const result = decide(aResult({ ackBy: at('10:30') }), { type: 'acknowledge' }, chargeNurse, NOW);
    if (result.status !== 'applied') throw new Error(result.message);
    expect(result.task).toMatchObject({ owner: ref(chargeNurse), acknowledgedBy: ref(chargeNurse) });
    expect(isAckOverdue(result.task, now)).toBe(false);
    expect(isPastDeadline(result.task, now)).toBe(false);
    expect(openDeadline(result.task)).toBeNull();
  });

  it('a due time still counts after acknowledgement; closed work has no deadline', () => {
    const due = aResult({
      dueAt: at('10:00'),
      acknowledgedAt: at('09:00'),
      acknowledgedBy: ref(chargeNurse),
    });
    expect(isPastDeadline(due, now)).toBe(true);
    expect(isPastDeadline({ ...aTask({ dueAt: at('10:00') }), status: 'completed' }, now)).toBe(false);
  });
});
