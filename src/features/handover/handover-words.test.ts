import { describe, expect, it } from 'vitest';
import { at, chargeNurse, nurse, okafor, ownedBy, ref } from '../../domain/testing/fixtures';
import { acknowledgedWords, currentAcceptance, currentDecline } from './handover-words';

describe('[HS3] a decline or acceptance is shown only while it still describes the task', () => {
  const declined = { by: ref(nurse), at: at('10:00'), reason: 'Four discharges already' };

  it('the sender sees the decline of her offer', () => {
    const task = ownedBy(okafor, { claimedAt: at('09:00'), handoverDeclined: declined });
    expect(currentDecline(task)).toEqual(declined);
  });

  it('once the charge nurse gives the task to the one who declined it, she does not read her own decline', () => {
    const task = ownedBy(nurse, { claimedAt: at('10:30'), handoverDeclined: declined });
    expect(currentDecline(task)).toBeNull();
  });

  it('a decline older than the current holder’s claim is history, not news', () => {
    const task = ownedBy(chargeNurse, { claimedAt: at('10:30'), handoverDeclined: declined });
    expect(currentDecline(task)).toBeNull();
  });

  it('an acceptance is shown to its receiver while she holds the task since then', () => {
    const accepted = { from: ref(okafor), by: ref(nurse), at: at('10:00'), synthesis: null, question: null };
    expect(currentAcceptance(ownedBy(nurse, { claimedAt: at('10:00'), handoverAccepted: accepted }))).toEqual(
      accepted,
    );
    expect(
      currentAcceptance(ownedBy(okafor, { claimedAt: at('10:30'), handoverAccepted: accepted })),
    ).toBeNull();
  });
});

describe('[HS6] acknowledged wording', () => {
  it('names who and when', () => {
    expect(acknowledgedWords({ acknowledgedAt: at('10:31'), acknowledgedBy: ref(chargeNurse) })).toBe(
      'Acknowledged by T. Adeyemi at 10:31',
    );
    expect(acknowledgedWords({ acknowledgedAt: null, acknowledgedBy: null })).toBeNull();
  });
});
