import { describe, expect, it, test } from 'vitest';
import { decide, type Decision } from '../decide';
import type { Principal } from '../principal';
import type { Task } from '../task';
import { NOW, aTask, at, chargeNurse, nurse, okafor, ownedBy, ref } from '../testing/fixtures';

function withdraw(task: Task, actor: Principal): Decision {
  return decide(task, { type: 'handover.withdraw', payload: null }, actor, NOW);
}

const offered = ownedBy(nurse, {
  handover: { from: ref(nurse), to: ref(okafor), offeredAt: at('10:30'), note: null, alertedAt: null },
});

describe('handover.withdraw', () => {
  it('the sender takes her offer back; the task stays hers', () => {
    const result = withdraw(offered, nurse);
    expect(result).toMatchObject({ status: 'applied', change: 'handover-withdrawn', detail: okafor.id });
    expect(result.status === 'applied' && result.task).toMatchObject({ owner: ref(nurse), handover: null });
  });

  it('withdrawing again is harmless', () => {
    const first = withdraw(offered, nurse);
    if (first.status !== 'applied') throw new Error(first.message);
    expect(withdraw(first.task, nurse)).toMatchObject({ status: 'applied', change: null });
  });

  const refusals: [string, Task, Principal, string, RegExp][] = [
    ['by the receiver', offered, okafor, 'forbidden', /Only A\. Mensah, who offered this handover/],
    ['by the charge nurse', offered, chargeNurse, 'forbidden', /who offered this handover/],
    ['after the work went back to the queue', aTask(), nurse, 'conflict', /back in the unit queue/],
    ['after the charge nurse reassigned it', ownedBy(okafor), nurse, 'conflict', /now held by R\. Okafor/],
  ];
  test.each(refusals)('[HO8] refused: %s', (_label, task, actor, code, message) => {
    const result = withdraw(task, actor);
    expect(result).toMatchObject({ status: 'rejected', code });
    expect(result.status === 'rejected' && result.message).toMatch(message);
  });
});
