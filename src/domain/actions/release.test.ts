import { describe, expect, it, test } from 'vitest';
import { decide, type Decision } from '../decide';
import type { Principal } from '../principal';
import type { Task } from '../task';
import {
  NOW,
  aResult,
  at,
  chargeNurse,
  coordinator,
  nurse,
  okafor,
  ownedBy,
  ref,
  supervisor,
} from '../testing/fixtures';

function release(task: Task, actor: Principal, payload?: unknown): Decision {
  return decide(task, { type: 'release', payload }, actor, NOW);
}

const offered = ownedBy(nurse, {
  handover: { from: ref(nurse), to: ref(okafor), offeredAt: at('10:30'), note: null, alertedAt: null },
});

describe('release', () => {
  it('[HO6] back to the unit queue with a note: the note is a comment for whoever claims it next', () => {
    const result = release(ownedBy(nurse), nurse, { note: 'Waiting on pharmacy for TTOs' });
    expect(result).toMatchObject({
      status: 'applied',
      change: 'released',
      upstream: 'released',
      detail: null,
    });
    if (result.status !== 'applied') return;
    expect(result.task).toMatchObject({ owner: null, status: 'requested' });
    expect(result.task.comments).toEqual([{ by: ref(nurse), at: NOW, text: 'Waiting on pharmacy for TTOs' }]);
  });

  it.each([undefined, null, {}, { note: '' }])('[HO6] without a note (%j) adds no comment', (payload) => {
    const result = release(ownedBy(nurse), nurse, payload);
    expect(result.status === 'applied' && result.task.comments).toEqual([]);
  });

  test.each([
    ['the charge nurse', chargeNurse, ownedBy(nurse)],
    ['the house supervisor', supervisor, ownedBy(nurse)],
    ['a coordinator (discharge work)', coordinator, ownedBy(nurse)],
  ] as const)('[HO6] %s releases a nurse’s work on her behalf', (_label, lead, task) => {
    const result = release(task, lead);
    expect(result).toMatchObject({ status: 'applied', change: 'released-on-behalf', detail: nurse.id });
  });

  it('[HO6] a coordinator may not release a nurse’s result (not her kind of work)', () => {
    const result = release(
      aResult({ owner: ref(nurse), claimedAt: at('09:00'), status: 'accepted' }),
      coordinator,
    );
    expect(result.status).toBe('rejected');
  });

  it('[HO8] a pending handover ends with the release', () => {
    const result = release(offered, nurse);
    expect(result.status === 'applied' && result.task.handover).toBeNull();
  });

  it('[HO8] a reassignment ends a pending handover', () => {
    const result = decide(
      offered,
      { type: 'reassign', payload: { to: { id: chargeNurse.id } } },
      chargeNurse,
      NOW,
      {
        assignee: chargeNurse,
      },
    );
    expect(result).toMatchObject({ status: 'applied', change: 'reassigned' });
    expect(result.status === 'applied' && result.task).toMatchObject({
      owner: ref(chargeNurse),
      handover: null,
    });
  });

  it('a note over 2000 characters is refused with a sentence', () => {
    expect(release(ownedBy(nurse), nurse, { note: 'x'.repeat(2001) })).toMatchObject({
      status: 'rejected',
      code: 'invalid',
    });
  });
});
