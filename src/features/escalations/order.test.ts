import { describe, expect, it } from 'vitest';
import { NO_ESCALATION, type Escalation, type Task } from '../../domain';
import { aResult, at, chargeNurse, ref } from '../../domain/testing/fixtures';
import { compareEscalations } from './order';

function escalated(id: string, escalation: Partial<Escalation>, task: Partial<Task> = {}): Task {
  return aResult({
    id,
    escalation: { ...NO_ESCALATION, level: 1, lastAt: at('10:30'), stopWhen: 'acknowledged', ...escalation },
    ...task,
  });
}

describe('[E10] the escalations list: still escalating first', () => {
  it('unacknowledged before acknowledged, then level, then repeats, then the longest escalated', () => {
    const acked = escalated(
      'acked',
      { level: 2, repeats: 9 },
      { acknowledgedAt: at('10:41'), acknowledgedBy: ref(chargeNurse) },
    );
    const level1Early = escalated('level-1-early', { lastAt: at('10:00') });
    const level1Late = escalated('level-1-late', { lastAt: at('10:20') });
    const level2 = escalated('level-2', { level: 2 });
    const level2Repeated = escalated('level-2-repeated', { level: 2, repeats: 3 });
    const sorted = [acked, level1Late, level2, level1Early, level2Repeated].sort(compareEscalations);
    expect(sorted.map((t) => t.id)).toEqual([
      'level-2-repeated',
      'level-2',
      'level-1-early',
      'level-1-late',
      'acked',
    ]);
  });
});
