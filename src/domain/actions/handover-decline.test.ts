import { describe, expect, it, test } from 'vitest';
import { decide, type Decision } from '../decide';
import type { Principal } from '../principal';
import type { Task } from '../task';
import { NOW, aTask, at, chargeNurse, nurse, okafor, ownedBy, ref } from '../testing/fixtures';

function decline(task: Task, actor: Principal, payload: unknown): Decision {
  return decide(task, { type: 'handover.decline', payload }, actor, NOW);
}

const offered = ownedBy(nurse, {
  handover: { from: ref(nurse), to: ref(okafor), offeredAt: at('10:30'), note: null, alertedAt: null },
});

describe('handover.decline', () => {
  it('[HO5] the task stays the sender’s and carries who declined, when and why', () => {
    const result = decline(offered, okafor, { reason: '  Two admissions coming  ' });
    expect(result).toMatchObject({
      status: 'applied',
      change: 'handover-declined',
      upstream: 'handover.declined',
    });
    if (result.status !== 'applied') return;
    expect(result.task).toMatchObject({
      owner: ref(nurse),
      handover: null,
      handoverDeclined: { by: ref(okafor), at: NOW, reason: 'Two admissions coming' },
    });
    expect(result.detail).toBe('Two admissions coming');
  });

  it('[HO5] declining again with the same reason is harmless', () => {
    const first = decline(offered, okafor, { reason: 'Full' });
    if (first.status !== 'applied') throw new Error(first.message);
    expect(decline(first.task, okafor, { reason: 'Full' })).toMatchObject({
      status: 'applied',
      change: null,
    });
  });

  const refusals: [string, Task, Principal, unknown, string, RegExp][] = [
    ['without a reason', offered, okafor, {}, 'invalid', /reason/],
    ['with a blank reason', offered, okafor, { reason: '   ' }, 'invalid', /reason is required/],
    ['by the sender', offered, nurse, { reason: 'x' }, 'forbidden', /not to you/],
    ['by the charge nurse', offered, chargeNurse, { reason: 'x' }, 'forbidden', /only they can decline/],
    ['after it was released', aTask(), okafor, { reason: 'x' }, 'conflict', /back in the unit queue/],
    ['after it was withdrawn', ownedBy(nurse), okafor, { reason: 'x' }, 'conflict', /now held by A\. Mensah/],
  ];
  test.each(refusals)('[HO5][HO8] refused: %s', (_label, task, actor, payload, code, message) => {
    const result = decline(task, actor, payload);
    expect(result).toMatchObject({ status: 'rejected', code });
    expect(result.status === 'rejected' && result.message).toMatch(message);
  });
});
