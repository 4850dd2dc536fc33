import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, NO_ESCALATION, type Task } from '../../../src/domain';
import { aResult, aTask, at, chargeNurse, ref } from '../../../src/domain/testing/fixtures';
import { withNextEscalation } from './schedule';

// The chain mechanics are told on the critical-result chain without its arrival level (the assigned
// nurse, docs/ASSIGNMENTS.md AS13): the charge nurse at the acknowledge-by time.
const policies = DEFAULT_POLICIES.policies.map((p) => ({
  ...p,
  levels: p.levels.filter((l) => !l.onArrival),
}));

/** A stat result due for acknowledgement at 10:30: charge nurse then, the supervisor at 10:40, every 10 min. */
function result(escalation: Partial<Task['escalation']> = {}, task: Partial<Task> = {}): Task {
  return aResult({
    priority: 'stat',
    ackBy: at('10:30'),
    escalation: { ...NO_ESCALATION, ...escalation },
    ...task,
  });
}

describe('withNextEscalation: the deadline and the chain’s words after every change', () => {
  it('[E3] before the first level: nobody reached, the charge nurse next at 10:30', () => {
    expect(withNextEscalation(result(), policies, at('10:00')).escalation).toEqual({
      ...NO_ESCALATION,
      nextAt: at('10:30'),
      policyId: 'critical-result',
      stopWhen: 'acknowledged',
      next: { role: 'ChargeNurse', scope: 'unit', level: 1, repeat: false },
    });
  });

  it('[E2] a person escalating past the chain’s end adds a repeat of its last level, not a level 3', () => {
    const escalatedByHand = result({ level: 3, repeats: 16, lastAt: at('13:31') });
    expect(withNextEscalation(escalatedByHand, policies, at('13:31')).escalation).toMatchObject({
      level: 2,
      repeats: 17,
      target: { role: 'Supervisor', scope: 'hospital' },
      next: { role: 'Supervisor', level: 2, repeat: true },
    });
  });

  it('[E2] a row stored as "level 19" becomes level 2, repeated 17 times, at its next change', () => {
    const stored = result({ level: 19, nextAt: at('13:40'), lastAt: at('13:30') });
    expect(withNextEscalation(stored, policies, at('13:35')).escalation).toMatchObject({
      level: 2,
      repeats: 17,
      nextAt: at('13:40'),
    });
  });

  it('[E4] acknowledged: no deadline and nobody next; who it reached stays', () => {
    const acked = result(
      { level: 1, nextAt: at('10:40'), target: { role: 'ChargeNurse', scope: 'unit' } },
      { acknowledgedAt: at('10:33'), acknowledgedBy: ref(chargeNurse) },
    );
    expect(withNextEscalation(acked, policies, at('10:33')).escalation).toMatchObject({
      level: 1,
      nextAt: null,
      next: null,
      target: { role: 'ChargeNurse', scope: 'unit' },
    });
  });

  it('a task no policy covers carries no deadline and no chain', () => {
    const followUp = aTask({
      kind: 'follow-up',
      escalation: { ...NO_ESCALATION, level: 2, policyId: 'old' },
    });
    expect(withNextEscalation(followUp, policies, at('10:00')).escalation).toEqual({
      ...NO_ESCALATION,
      level: 2,
    });
  });

  it('nothing to change: the same task comes back (no needless write)', () => {
    const once = withNextEscalation(result(), policies, at('10:00'));
    expect(withNextEscalation(once, policies, at('10:01'))).toBe(once);
  });
});
