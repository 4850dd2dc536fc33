import { describe, expect, it } from 'vitest';
import {
  aResult,
  aTask,
  anException,
  coordinator,
  inStatus,
  item,
  nurse,
  nurse5E,
  NOW,
  okafor,
  ownedBy,
  ref,
} from '../../domain/testing/fixtures';
import { offersFor } from './available-actions';
import { NO_ESCALATION } from '../../domain';

/** The task screen shows a button only for what the relay's `decide` would apply: a refusal never starts with a tap. */
describe('offers: a button only for what the relay would apply', () => {
  it('an unclaimed discharge offers the nurse Claim, not the checklist, and says why', () => {
    const offers = offersFor(aTask(), nurse, NOW);
    expect(offers.claim).toBe(true);
    expect(offers.release).toBe(false);
    expect(offers.checklist.size).toBe(0);
    expect(offers.checklistBlockedBy).toBe('Claim this task before working its checklist.');
  });

  it('work claimed by someone else offers a nurse no claim and no checklist', () => {
    const offers = offersFor(ownedBy(okafor), nurse, NOW);
    expect(offers.claim).toBe(false);
    expect(offers.resolve).toBe(false);
    expect(offers.checklist.size).toBe(0);
    expect(offers.checklistBlockedBy).toMatch(/^Claimed by R\. Okafor at 09:15/);
  });

  it('my own discharge with all required items done offers Resolve and every item', () => {
    const offers = offersFor(ownedBy(nurse), nurse, NOW);
    expect(offers.claim).toBe(false);
    expect(offers.resolve).toBe(true);
    expect(offers.resolveWithOverride).toBe(false);
    expect([...offers.checklist]).toEqual(['med-rec', 'transport']);
  });

  it('a required item open turns Resolve into an override with the reason it is blocked', () => {
    const task = ownedBy(nurse, { checklist: [item('med-rec', 'Medication reconciliation', true)] });
    const offers = offersFor(task, nurse, NOW);
    expect(offers.resolve).toBe(false);
    expect(offers.resolveWithOverride).toBe(true);
    expect(offers.resolveBlockedBy).toMatch(/1 required item is still open \(Medication reconciliation\)/);
  });

  it('an exception is resolved only with an outcome, by the coordinator', () => {
    const mine = offersFor(anException({ owner: ref(coordinator), status: 'accepted' }), coordinator, NOW);
    expect(mine.resolve).toBe(false);
    expect(mine.outcomes).toEqual(['fixed', 'dismissed', 'sent-upstream']);
    expect(offersFor(anException(), nurse, NOW).outcomes).toEqual([]);
  });

  it('a result offers Acknowledge once; acknowledging again is not offered', () => {
    expect(offersFor(aResult(), nurse, NOW).acknowledge).toBe(true);
    expect(
      offersFor(aResult({ acknowledgedAt: NOW, acknowledgedBy: ref(nurse) }), nurse, NOW).acknowledge,
    ).toBe(false);
  });

  it('a discharge is not offered Acknowledge unless it escalated', () => {
    expect(offersFor(ownedBy(nurse), nurse, NOW).acknowledge).toBe(false);
    const escalated = ownedBy(nurse, {
      escalation: { ...NO_ESCALATION, level: 1, nextAt: null, lastAt: NOW, reason: 'overdue' },
    });
    expect(offersFor(escalated, nurse, NOW).acknowledge).toBe(true);
  });

  it('another unit offers nothing at all', () => {
    const offers = offersFor(aTask(), nurse5E, NOW);
    expect(Object.values(offers).filter((v) => v === true)).toEqual([]);
  });

  it('a completed task offers only a comment', () => {
    const offers = offersFor(inStatus('completed', nurse), nurse, NOW);
    expect(offers.comment).toBe(true);
    expect([offers.claim, offers.resolve, offers.release, offers.hold, offers.start]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
