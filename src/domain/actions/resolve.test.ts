import { describe, expect, it } from 'vitest';
import { decide, type Decision } from '../decide';
import type { Principal } from '../principal';
import type { Task } from '../task';
import {
  NOW,
  aResult,
  aTask,
  anException,
  coordinator,
  item,
  nurse,
  ownedBy,
  ref,
} from '../testing/fixtures';

function resolve(task: Task, actor: Principal, payload?: unknown): Decision {
  return decide(task, { type: 'resolve', payload }, actor, NOW);
}

function appliedTask(decision: Decision): Task {
  if (decision.status !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(decision)}`);
  return decision.task;
}

describe('resolve: what it records', () => {
  it('a discharge resolved by its nurse is not recorded as "acknowledged" by her', () => {
    const task = appliedTask(resolve(ownedBy(nurse), nurse, {}));
    expect(task.status).toBe('completed');
    expect(task.acknowledgedAt).toBeNull();
    expect(task.acknowledgedBy).toBeNull();
  });

  it('a result resolved without an acknowledgement is acknowledged by whoever resolved it', () => {
    const task = appliedTask(resolve(aResult(), nurse, {}));
    expect(task).toMatchObject({ acknowledgedAt: NOW, acknowledgedBy: ref(nurse) });
  });

  it('an unclaimed discharge with open items says to claim it first, not to tick them', () => {
    const task = aTask({ checklist: [item('med-rec', 'Medication reconciliation', true)] });
    const decision = resolve(task, nurse, {});
    expect(decision).toMatchObject({
      status: 'rejected',
      code: 'invalid',
      message:
        '1 required item is still open (Medication reconciliation). Claim it to start the checklist, or give a reason to override.',
    });
  });
});

describe('resolve: an exception dismissed or sent back needs a reason', () => {
  it.each([
    ['dismissed', 'Say why this exception is dismissed.'],
    ['sent-upstream', 'Say why this exception goes back upstream.'],
  ])('%s without a note is refused with what to do', (outcome, message) => {
    expect(resolve(anException(), coordinator, { outcome })).toMatchObject({
      status: 'rejected',
      code: 'invalid',
      message,
    });
    expect(resolve(anException(), coordinator, { outcome, note: '   ' })).toMatchObject({
      status: 'rejected',
      message,
    });
  });

  it('with a reason it is applied and the reason is the resolution note', () => {
    const task = appliedTask(
      resolve(anException(), coordinator, { outcome: 'dismissed', note: 'Duplicate of another message' }),
    );
    expect(task.resolution).toMatchObject({ outcome: 'dismissed', note: 'Duplicate of another message' });
  });

  it('fixed needs no reason', () => {
    expect(appliedTask(resolve(anException(), coordinator, { outcome: 'fixed' })).resolution?.outcome).toBe(
      'fixed',
    );
  });
});
