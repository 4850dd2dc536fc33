import { describe, expect, it, test } from 'vitest';
import { decide, type Decision } from '../decide';
import type { Principal } from '../principal';
import type { Task } from '../task';
import { NOW, aTask, at, chargeNurse, nurse, okafor, ownedBy, ref } from '../testing/fixtures';

function accept(task: Task, actor: Principal, payload: unknown = {}): Decision {
  return decide(task, { type: 'handover.accept', payload }, actor, NOW);
}

const offered = ownedBy(nurse, {
  status: 'in-progress',
  handover: {
    from: ref(nurse),
    to: ref(okafor),
    offeredAt: at('10:30'),
    note: { text: 'Taxi at 3' },
    alertedAt: null,
  },
});

describe('handover.accept', () => {
  it('[HO4] the receiver becomes the owner in the same change, with her synthesis and question', () => {
    const result = accept(offered, okafor, { synthesis: 'Taxi at 3, then home', question: 'Meds packed?' });
    expect(result).toMatchObject({
      status: 'applied',
      change: 'handover-accepted',
      upstream: 'handover.accepted',
    });
    if (result.status !== 'applied') return;
    expect(result.task).toMatchObject({
      owner: ref(okafor),
      claimedAt: NOW,
      status: 'in-progress',
      handover: null,
      handoverAccepted: {
        from: ref(nurse),
        by: ref(okafor),
        at: NOW,
        synthesis: 'Taxi at 3, then home',
        question: 'Meds packed?',
      },
    });
    expect(result.detail).toBe(nurse.id);
  });

  it('[HO4] accepting again once she holds it is harmless', () => {
    const first = accept(offered, okafor);
    if (first.status !== 'applied') throw new Error(first.message);
    expect(first.task.handoverAccepted).toMatchObject({ synthesis: null, question: null });
    expect(accept(first.task, okafor)).toMatchObject({ status: 'applied', change: null });
  });

  const refusals: [string, Task, Principal, string, RegExp][] = [
    ['by the sender', offered, nurse, 'forbidden', /being handed to R\. Okafor, not to you/],
    ['by the charge nurse', offered, chargeNurse, 'forbidden', /only they can accept/],
    ['after it was withdrawn', ownedBy(nurse), okafor, 'conflict', /now held by A\. Mensah/],
    ['after it was released to the queue', aTask(), okafor, 'conflict', /back in the unit queue/],
    [
      'after the charge nurse reassigned it to someone else',
      ownedBy(chargeNurse, { claimedAt: at('10:35') }),
      okafor,
      'conflict',
      /now held by T\. Adeyemi \(since 10:35\)/,
    ],
    [
      'after she declined it',
      ownedBy(nurse, { handoverDeclined: { by: ref(okafor), at: at('10:36'), reason: 'Full' } }),
      okafor,
      'conflict',
      /You declined this handover at 10:36/,
    ],
  ];
  test.each(refusals)('[HO4][HO8] refused: %s', (_label, task, actor, code, message) => {
    const result = accept(task, actor);
    expect(result).toMatchObject({ status: 'rejected', code });
    expect(result.status === 'rejected' && result.message).toMatch(message);
  });

  it('[HO4] a synthesis over 1000 characters is refused with a sentence', () => {
    expect(accept(offered, okafor, { synthesis: 'x'.repeat(1001) })).toMatchObject({
      status: 'rejected',
      code: 'invalid',
    });
  });
});
