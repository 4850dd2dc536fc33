import { describe, expect, it } from 'vitest';
import { applyEvent } from '../apply-event';
import { decide } from '../decide';
import { parseInboundEvent } from '../events';
import { SYSTEM, type Task } from '../task';
import { NOW, at, item, nurse, ownedBy, ref, updatedEvent } from '../testing/fixtures';

/** A claimed discharge whose transport item is open: the nurse ticks it, upstream may too. */
function claimedDischarge(): Task {
  return ownedBy(nurse, {
    revision: 1,
    checklist: [item('transport', 'Transport booked', true)],
  });
}

function tick(task: Task) {
  return decide(task, { type: 'checklist.set', payload: { itemId: 'transport', done: true } }, nurse, NOW);
}

describe('checklist.set: a person keeps the credit for a tick', () => {
  it('an offline tick overtaken by an upstream revision that ticked the same item credits the nurse', () => {
    // Upstream's revision arrives first (the nurse's tablet was offline) and ticks the item as the system.
    const parsed = parseInboundEvent(
      updatedEvent({
        taskId: claimedDischarge().id,
        revision: 2,
        checklist: [{ id: 'transport', done: true }],
      }),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    const upstream = applyEvent(claimedDischarge(), parsed.event, at('10:40'));
    if (upstream.status !== 'applied') throw new Error('upstream event not applied');
    expect(upstream.task.checklist[0]?.doneBy).toEqual(SYSTEM);

    // Then the nurse's queued tick reaches the relay: the item stays done, and it is hers.
    const decision = tick(upstream.task);
    expect(decision).toMatchObject({ status: 'applied', change: 'item-done', detail: 'transport' });
    if (decision.status !== 'applied') return;
    expect(decision.task.checklist[0]).toMatchObject({ done: true, doneBy: ref(nurse), doneAt: NOW });
  });

  it('a second tick of an item a person already ticked changes nothing', () => {
    const task = ownedBy(nurse, { checklist: [item('transport', 'Transport booked', true, ref(nurse))] });
    expect(tick(task)).toMatchObject({ status: 'applied', change: null });
  });
});
