import { describe, expect, it, test } from 'vitest';
import {
  chainOutlook,
  DEFAULT_POLICIES,
  EscalationPolicies,
  escalationState,
  levelAt,
  levelDueAt,
  nextStep,
  policyFor,
  type EscalationPolicy,
} from './escalation';
import { Escalation, firingsOf, NO_ESCALATION, type Task } from './task';
import { aResult, aTask, anException, at, inStatus, minutesAfter, nurse, ref } from './testing/fixtures';

function policy(id: string): EscalationPolicy {
  const found = DEFAULT_POLICIES.policies.find((p) => p.id === id);
  if (!found) throw new Error(`no default policy ${id}`);
  return found;
}

/** The default critical-result chain: the assigned nurse on arrival, then the charge nurse, then the supervisor. */
const defaultCritical = policy('critical-result');
/**
 * The same chain without its arrival level: level 1 (charge nurse) at the ack-by time, level 2
 * (supervisor) 10 min later, repeating every 10. The chain mechanics below are told on it.
 */
const critical: EscalationPolicy = {
  ...defaultCritical,
  levels: defaultCritical.levels.filter((l) => !l.onArrival),
};
/** Discharge: one level (coordinator) at the due time. */
const discharge = policy('discharge-overdue');
/** Exception: one level (coordinator) 30 min after arrival unless claimed. */
const exception = policy('exception-unclaimed');

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('the default policies', () => {
  it('are valid by their own schema', () => {
    expect(EscalationPolicies.safeParse(DEFAULT_POLICIES).success).toBe(true);
  });
});

describe('policyFor', () => {
  test.each([
    ['a stat critical result', 'critical-result', aResult({ priority: 'stat' })],
    ['an asap critical result', 'critical-result', aResult({ priority: 'asap' })],
    ['a routine result', null, aResult({ priority: 'routine' })],
    ['a routine discharge', 'discharge-overdue', aTask()],
    ['a stat discharge', 'discharge-overdue', aTask({ priority: 'stat' })],
    ['an exception', 'exception-unclaimed', anException()],
    ['a follow-up', null, aTask({ kind: 'follow-up' })],
  ] as const)('%s → %s', (_what, expected, task) => {
    expect(policyFor(task, DEFAULT_POLICIES.policies)?.id ?? null).toBe(expected);
  });

  it('the first policy that names kind and priority wins', () => {
    const urgentFirst: EscalationPolicy = { ...discharge, id: 'urgent-discharge', priorities: ['urgent'] };
    const policies = [urgentFirst, discharge];
    expect(policyFor(aTask({ priority: 'urgent' }), policies)?.id).toBe('urgent-discharge');
    expect(policyFor(aTask({ priority: 'routine' }), policies)?.id).toBe('discharge-overdue');
  });

  it('no policies: nothing escalates', () => {
    expect(policyFor(aResult(), [])).toBeNull();
  });
});

describe('levelDueAt', () => {
  const result = aResult({ ackBy: at('10:30') });

  test.each([
    [1, '10:30'],
    [2, '10:40'],
    [3, '10:50'],
    [4, '11:00'],
  ] as const)('ack clock with an ack-by time of 10:30: level %i is due at %s', (n, due) => {
    expect(iso(levelDueAt(result, critical, n))).toBe(at(due));
  });

  it('ack clock without an ack-by time counts from arrival', () => {
    const task = aResult({ ackBy: null, createdAt: at('08:00') });
    expect([1, 2, 3].map((n) => iso(levelDueAt(task, critical, n)))).toEqual([
      at('08:10'),
      at('08:20'),
      at('08:30'),
    ]);
  });

  it('due clock: the first level fires at the due time', () => {
    expect(iso(levelDueAt(aTask({ dueAt: at('14:00') }), discharge, 1))).toBe(at('14:00'));
  });

  it('due clock without a due time: no level is ever due', () => {
    expect(levelDueAt(aTask({ dueAt: null }), discharge, 1)).toBeNull();
  });

  it('created clock counts from arrival', () => {
    expect(iso(levelDueAt(anException({ createdAt: at('08:00') }), exception, 1))).toBe(at('08:30'));
  });

  it('a chain without repeats has no level past its last', () => {
    expect(levelDueAt(aTask(), discharge, 2)).toBeNull();
  });

  it('level 0 and below are never due', () => {
    expect(levelDueAt(result, critical, 0)).toBeNull();
    expect(levelDueAt(result, critical, -1)).toBeNull();
  });
});

describe('escalationState', () => {
  const result = aResult({ ackBy: at('10:30') });

  // Before, at and after each level of the critical-result chain (level 2 repeats every 10 min).
  test.each([
    ['10:00', 0, 0, '10:30'],
    ['10:29', 0, 0, '10:30'],
    ['10:30', 1, 0, '10:40'],
    ['10:35', 1, 0, '10:40'],
    ['10:40', 2, 0, '10:50'],
    ['10:45', 2, 0, '10:50'],
    ['10:50', 2, 1, '11:00'],
    ['10:59', 2, 1, '11:00'],
    ['11:00', 2, 2, '11:10'],
  ] as const)('[E2] at %s: level %i, repeated %i times, next at %s', (now, level, repeats, nextAt) => {
    expect(escalationState(result, critical, at(now))).toEqual({
      level,
      repeats,
      nextAt: at(nextAt),
      stopped: false,
    });
  });

  it('a millisecond before a level it is not yet due', () => {
    const justBefore = new Date(Date.parse(at('10:30')) - 1).toISOString();
    expect(escalationState(result, critical, justBefore).level).toBe(0);
  });

  it('acknowledging stops the chain: no next deadline, the level reached is kept', () => {
    const acked = aResult({
      ackBy: at('10:30'),
      acknowledgedAt: at('10:41'),
      acknowledgedBy: ref(nurse),
      escalation: { ...NO_ESCALATION, level: 2, repeats: 1, nextAt: null, lastAt: at('10:50') },
    });
    expect(escalationState(acked, critical, at('11:30'))).toEqual({
      level: 2,
      repeats: 1,
      nextAt: null,
      stopped: true,
    });
  });

  it.each(['completed', 'cancelled', 'failed'] as const)('a %s task never escalates', (status) => {
    const closed: Task = { ...inStatus(status), kind: 'result-ack', priority: 'stat', ackBy: at('10:30') };
    expect(escalationState(closed, critical, at('12:00'))).toMatchObject({ nextAt: null, stopped: true });
  });

  it('claiming stops a chain that stops when claimed; acknowledging alone does not', () => {
    const task = anException({ createdAt: at('08:00') });
    expect(escalationState({ ...task, owner: ref(nurse) }, exception, at('09:00')).stopped).toBe(true);
    const acked = { ...task, acknowledgedAt: at('08:10'), acknowledgedBy: ref(nurse) };
    expect(escalationState(acked, exception, at('09:00'))).toEqual({
      level: 1,
      repeats: 0,
      nextAt: null,
      stopped: false,
    });
  });

  it('a chain that stops when resolved ignores claims and acknowledgements', () => {
    const claimed = aTask({ dueAt: at('10:00'), owner: ref(nurse), acknowledgedAt: at('09:00') });
    expect(escalationState(claimed, discharge, at('10:05'))).toEqual({
      level: 1,
      repeats: 0,
      nextAt: null,
      stopped: false,
    });
  });

  it('after a long outage the relay jumps straight to the current level, once', () => {
    // The relay fired level 1 at 10:30 and was down until 11:35: levels 2–7 came due meanwhile.
    const task = aResult({
      ackBy: at('10:30'),
      escalation: { ...NO_ESCALATION, level: 1, nextAt: at('10:40'), lastAt: at('10:30'), reason: null },
    });
    const back = escalationState(task, critical, at('11:35'));
    // Level 2 first fired at 10:40 and repeated at 10:50 … 11:30: five repeats.
    expect(back).toEqual({ level: 2, repeats: 5, nextAt: at('11:40'), stopped: false });
    // One alert for the fifth repeat of the supervisor level, not six alerts in a burst.
    expect(levelAt(critical, back.level)?.target).toEqual({ role: 'Supervisor', scope: 'hospital' });
    // Once that has fired, nothing more is due until 11:40.
    const fired = { ...task, escalation: { ...task.escalation, level: 2, repeats: 5, lastAt: at('11:35') } };
    expect(escalationState(fired, critical, at('11:39'))).toEqual({
      level: 2,
      repeats: 5,
      nextAt: at('11:40'),
      stopped: false,
    });
  });

  it('the last level repeats at its interval for as long as nothing stops it', () => {
    const hours = escalationState(result, critical, at('16:30'));
    // 10:30 level 1, 10:40 level 2, then every 10 minutes: 35 repeats by 16:30. Level 2, never "Level 37".
    expect(hours).toEqual({ level: 2, repeats: 35, nextAt: at('16:40'), stopped: false });
  });

  it('a week overdue on one-minute repeats is counted exactly, not cut off', () => {
    const everyMinute = {
      ...critical,
      levels: [critical.levels[0]!, { ...critical.levels[1]!, repeatEveryMinutes: 1 }],
    };
    // Level 2 at 10:40, then a repeat each minute: 7 days later is 10,080 repeats past level 2.
    const state = escalationState(result, everyMinute, minutesAfter(at('10:40'), 7 * 24 * 60));
    expect(state).toEqual({
      level: 2,
      repeats: 7 * 24 * 60,
      nextAt: minutesAfter(at('10:40'), 7 * 24 * 60 + 1),
      stopped: false,
    });
  });

  it('a chain without repeats ends at its last level', () => {
    expect(escalationState(aTask({ dueAt: at('10:00') }), discharge, at('23:00'))).toEqual({
      level: 1,
      repeats: 0,
      nextAt: null,
      stopped: false,
    });
  });

  it('a due clock without a due time never escalates', () => {
    const undated = aTask({ dueAt: null });
    expect(escalationState(undated, discharge, '2025-12-31T23:59:00.000Z')).toEqual({
      level: 0,
      repeats: 0,
      nextAt: null,
      stopped: false,
    });
  });
});

describe('levelAt', () => {
  test.each([
    [0, 'nobody'],
    [1, 'ChargeNurse'],
    [2, 'Supervisor'],
    [3, 'Supervisor'],
    [37, 'Supervisor'],
  ] as const)('level %i of the critical-result chain tells %s', (level, role) => {
    expect(levelAt(critical, level)?.target.role ?? 'nobody').toBe(role);
  });
});

describe('[E3] nextStep: who the next firing tells', () => {
  const charge = { role: 'ChargeNurse', scope: 'unit' } as const;
  const supervisor = { role: 'Supervisor', scope: 'hospital' } as const;
  test.each([
    [0, { ...charge, level: 1, repeat: false }],
    [1, { ...supervisor, level: 2, repeat: false }],
    [2, { ...supervisor, level: 2, repeat: true }],
    // A person escalated past the chain's end: only the last level's repeats remain.
    [3, { ...supervisor, level: 2, repeat: true }],
  ] as const)('critical result at level %i → %o', (level, expected) => {
    expect(nextStep(critical, { level })).toEqual(expected);
  });

  it('a chain that does not repeat ends: nothing after its last level', () => {
    expect(nextStep(discharge, { level: 0 })).toEqual({
      role: 'Coordinator',
      scope: 'unit',
      level: 1,
      repeat: false,
    });
    expect(nextStep(discharge, { level: 1 })).toBeNull();
  });
});

describe('[E3] chainOutlook: why you, and what happens next', () => {
  it('level 1 of a critical result went to the charge nurse; the supervisor is next', () => {
    expect(chainOutlook({ level: 1 }, critical, false)).toEqual({
      policyId: 'critical-result',
      stopWhen: 'acknowledged',
      target: { role: 'ChargeNurse', scope: 'unit' },
      next: { role: 'Supervisor', scope: 'hospital', level: 2, repeat: false },
    });
  });

  it('not yet escalated: nobody reached, the first level is next', () => {
    expect(chainOutlook({ level: 0 }, critical, false)).toMatchObject({
      target: null,
      next: { role: 'ChargeNurse', level: 1 },
    });
  });

  it('stopped: who it reached stays, nothing is next', () => {
    expect(chainOutlook({ level: 2 }, critical, true)).toMatchObject({
      target: { role: 'Supervisor' },
      next: null,
    });
  });
});

describe('[AS13] a level that fires on arrival (the assigned nurse)', () => {
  const result = aResult({ createdAt: at('10:00'), ackBy: at('10:30') });

  test.each([
    ['09:59', 0, 0, '10:00'],
    ['10:00', 1, 0, '10:30'],
    ['10:29', 1, 0, '10:30'],
    ['10:30', 2, 0, '10:40'],
    ['10:40', 3, 0, '10:50'],
    ['10:50', 3, 1, '11:00'],
  ] as const)(
    'the default critical-result chain at %s: level %i, repeated %i, next at %s',
    (now, level, repeats, nextAt) => {
      expect(escalationState(result, defaultCritical, at(now))).toEqual({
        level,
        repeats,
        nextAt: at(nextAt),
        stopped: false,
      });
    },
  );

  it('tells the assigned nurse first, the charge nurse at the acknowledge-by time, then the supervisor', () => {
    expect([1, 2, 3].map((n) => levelAt(defaultCritical, n)?.target.role)).toEqual([
      'AssignedNurse',
      'ChargeNurse',
      'Supervisor',
    ]);
    expect(levelDueAt(result, defaultCritical, 1)).toBe(Date.parse(at('10:00')));
    expect(levelDueAt(result, defaultCritical, 2)).toBe(Date.parse(at('10:30')));
  });

  it('without an acknowledge-by time the charge nurse is told 10 minutes after arrival', () => {
    const noAck = aResult({ createdAt: at('10:00'), ackBy: null });
    expect(iso(levelDueAt(noAck, defaultCritical, 2))).toBe(at('10:10'));
  });

  it('only leading levels may fire on arrival, and a chain needs one after them', () => {
    const late = { ...critical, levels: [...critical.levels, { ...critical.levels[0]!, onArrival: true }] };
    expect(EscalationPolicies.safeParse({ version: 1, policies: [late] }).success).toBe(false);
    const only = { ...critical, levels: [{ ...critical.levels[0]!, onArrival: true }] };
    expect(EscalationPolicies.safeParse({ version: 1, policies: [only] }).success).toBe(false);
  });
});

describe('[E2] stored escalations from before repeats were counted apart', () => {
  it('parse, with no repeats and nothing known about the chain', () => {
    const stored = { level: 3, nextAt: null, lastAt: at('10:50'), reason: 'critical-result level 3' };
    expect(Escalation.parse(stored)).toEqual({ ...NO_ESCALATION, ...stored });
  });

  it('a firing count orders old and new shapes alike (level 3 then is level 2 repeated once now)', () => {
    expect(firingsOf({ level: 3, repeats: 0 })).toBe(firingsOf({ level: 2, repeats: 1 }));
  });
});
