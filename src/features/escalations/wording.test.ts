import { describe, expect, it, test } from 'vitest';
import { NO_ESCALATION, type Escalation, type Task } from '../../domain';
import { aResult, anException, at, chargeNurse, nurse, ref } from '../../domain/testing/fixtures';
import {
  countdown,
  levelWords,
  nextLevelWords,
  stillEscalating,
  stoppedWords,
  targetWords,
  whatNextWords,
  whyWords,
} from './wording';

const charge = { role: 'ChargeNurse', scope: 'unit' } as const;
const supervisor = { role: 'Supervisor', scope: 'hospital' } as const;

/** A stat result at level 1 (the 4W charge nurse), level 2 (the supervisor) due at 10:40. */
function atLevel1(overrides: Partial<Escalation> = {}, task: Partial<Task> = {}): Task {
  return aResult({
    ackBy: at('10:30'),
    escalation: {
      ...NO_ESCALATION,
      level: 1,
      nextAt: at('10:40'),
      lastAt: at('10:30'),
      policyId: 'critical-result',
      stopWhen: 'acknowledged',
      target: charge,
      next: { ...supervisor, level: 2, repeat: false },
      ...overrides,
    },
    ...task,
  });
}

describe('[E2] levelWords: the chain level and its repeats apart', () => {
  test.each([
    [1, 0, 'Level 1'],
    [2, 0, 'Level 2'],
    [2, 1, 'Level 2, repeated once'],
    [2, 17, 'Level 2, repeated 17 times'],
  ])('level %i with %i repeats → %s', (level, repeats, words) => {
    expect(levelWords({ level, repeats })).toBe(words);
  });
});

describe('countdown', () => {
  test.each([
    [272_000, '4:32'],
    [600_000, '10:00'],
    [59_001, '1:00'],
    [999, '0:01'],
    [0, '0:00'],
    [-5_000, '0:00'],
    [3_872_000, '1:04:32'],
  ])('%i ms → %s', (ms, text) => {
    expect(countdown(ms)).toBe(text);
  });
});

describe('[E5] nextLevelWords: the countdown to the next level', () => {
  const task = atLevel1();
  test.each([
    ['10:35', 28, 'Level 2 in 4:32'],
    ['10:39', 59, 'Level 2 in 0:01'],
    ['10:40', 0, 'Level 2 due now'],
  ] as const)('at %s and %i s: %s', (time, seconds, words) => {
    expect(nextLevelWords(task, Date.parse(at(time)) + seconds * 1_000)).toBe(words);
  });

  it('beyond the hour it names the time instead', () => {
    expect(nextLevelWords(task, Date.parse(at('09:00')))).toBe('Level 2 at 10:40');
  });

  it('a repeat of the last level says so', () => {
    const repeating = atLevel1({
      level: 2,
      target: supervisor,
      next: { ...supervisor, level: 2, repeat: true },
    });
    expect(nextLevelWords(repeating, Date.parse(at('10:35')))).toBe('Repeat of level 2 in 5:00');
  });

  it('acknowledged: no countdown at all, even with a stale next time', () => {
    const acked = atLevel1({}, { acknowledgedAt: at('10:33'), acknowledgedBy: ref(chargeNurse) });
    expect(nextLevelWords(acked, Date.parse(at('10:35')))).toBeNull();
  });
});

describe('[E3] why you, and what happens next', () => {
  it('the 4W charge nurse reads why it reached her; the nurse reads whom it reached', () => {
    const task = atLevel1();
    expect(whyWords(task, chargeNurse)).toEqual({
      label: 'Why you',
      text: 'Level 1 of the critical-result policy goes to the charge nurse of 4W.',
    });
    expect(whyWords(task, nurse)?.label).toBe('Escalated to');
  });

  it('next: level 2 goes to the house supervisor unless acknowledged by 10:40', () => {
    expect(whatNextWords(atLevel1())).toBe(
      'If nobody acknowledges it by 10:40, level 2 goes to the house supervisor.',
    );
  });

  it('the repeating last level: the supervisor is told again', () => {
    const task = atLevel1({ level: 2, target: supervisor, next: { ...supervisor, level: 2, repeat: true } });
    expect(whatNextWords(task)).toBe(
      'If nobody acknowledges it by 10:40, the house supervisor is told again.',
    );
  });

  it('[E4] acknowledged: stopped, by whom and when', () => {
    const acked = atLevel1(
      { nextAt: null, next: null },
      { acknowledgedAt: at('10:33'), acknowledgedBy: ref(chargeNurse) },
    );
    expect(stillEscalating(acked)).toBe(false);
    expect(whatNextWords(acked)).toBe(`Stopped: acknowledged by ${chargeNurse.name} at 10:33.`);
    expect(stoppedWords(acked)).toBe(`acknowledged by ${chargeNurse.name}`);
  });

  it('[E4] an exception stops when claimed, not when acknowledged', () => {
    const exception = anException({
      escalation: {
        ...NO_ESCALATION,
        level: 1,
        stopWhen: 'claimed',
        target: { role: 'Coordinator', scope: 'unit' },
      },
    });
    expect(stillEscalating({ ...exception, acknowledgedAt: at('10:00'), acknowledgedBy: ref(nurse) })).toBe(
      true,
    );
    expect(stillEscalating({ ...exception, owner: ref(nurse), claimedAt: at('10:00') })).toBe(false);
  });

  it('the end of a chain that does not repeat', () => {
    expect(whatNextWords(atLevel1({ nextAt: null, next: null }))).toBe(
      'No further level: this is the end of the chain.',
    );
  });

  it('nothing is said about why before the first level, or when the relay did not say', () => {
    expect(whyWords(atLevel1({ level: 0, target: null }), chargeNurse)).toBeNull();
    expect(whyWords(atLevel1({ target: null }), chargeNurse)).toBeNull();
  });

  it('hospital-wide targets have no unit', () => {
    expect(targetWords(supervisor, '4W')).toBe('the house supervisor');
    expect(targetWords(charge, '5E')).toBe('the charge nurse of 5E');
  });
});
