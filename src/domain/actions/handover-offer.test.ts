import { describe, expect, it, test } from 'vitest';
import { decide, type Decision } from '../decide';
import type { Principal } from '../principal';
import type { HandoverNote, Task } from '../task';
import {
  NOW,
  aTask,
  admin,
  at,
  chargeNurse,
  coordinator,
  nurse,
  nurse5E,
  okafor,
  ownedBy,
  ref,
  supervisor,
} from '../testing/fixtures';

const note: HandoverNote = {
  severity: 'watcher',
  summary: 'Day 3 pneumonia, home today',
  awareness: 'If K+ > 6 on recheck, call the registrar',
};

function offer(task: Task, actor: Principal, to: Principal | null, payload?: unknown): Decision {
  return decide(
    task,
    { type: 'handover.offer', payload: payload ?? { to: { id: to?.id ?? 'nobody' }, note } },
    actor,
    NOW,
    { assignee: to },
  );
}

function offeredBy(from: Principal, to: Principal): Task {
  return ownedBy(from, {
    handover: { from: ref(from), to: ref(to), offeredAt: at('10:30'), note, alertedAt: null },
  });
}

describe('handover.offer', () => {
  it('[HO1] marks the owner’s task as being handed over and leaves it hers', () => {
    const result = offer(ownedBy(nurse), nurse, okafor);
    expect(result).toMatchObject({
      status: 'applied',
      change: 'handover-offered',
      upstream: 'handover.offered',
    });
    if (result.status !== 'applied') return;
    expect(result.task.owner).toEqual(ref(nurse));
    expect(result.task.status).toBe('accepted');
    expect(result.task.handover).toEqual({
      from: ref(nurse),
      to: ref(okafor),
      offeredAt: NOW,
      note,
      alertedAt: null,
    });
    // The detail is the receiver's id: the note never goes into the audit detail (HO3).
    expect(result.detail).toBe(okafor.id);
  });

  it('[HO3] a blank note is no note; blank parts are dropped', () => {
    const blank = offer(ownedBy(nurse), nurse, okafor, { to: { id: okafor.id }, note: { text: '  ' } });
    expect(blank.status === 'applied' && blank.task.handover?.note).toBeNull();
    const partial = offer(ownedBy(nurse), nurse, okafor, {
      to: { id: okafor.id },
      note: { severity: 'stable', summary: '' },
    });
    expect(partial.status === 'applied' && partial.task.handover?.note).toEqual({ severity: 'stable' });
  });

  it('[HO1] a new offer clears the last decline and the last acceptance', () => {
    const task = ownedBy(nurse, {
      handoverDeclined: { by: ref(okafor), at: at('10:00'), reason: 'Full load' },
    });
    const result = offer(task, nurse, okafor);
    expect(result.status === 'applied' && result.task.handoverDeclined).toBeNull();
  });

  it('[HO1] the same offer again is harmless', () => {
    const first = offer(ownedBy(nurse), nurse, okafor);
    if (first.status !== 'applied') throw new Error(first.message);
    const second = offer(first.task, nurse, okafor);
    expect(second).toMatchObject({ status: 'applied', change: null });
  });

  const refusals: [string, Task, Principal, Principal | null, unknown, string, RegExp][] = [
    ['unclaimed work', aTask(), nurse, okafor, undefined, 'conflict', /claim it before handing it over/],
    [
      'a colleague’s work, by a nurse',
      ownedBy(okafor),
      nurse,
      chargeNurse,
      undefined,
      'conflict',
      /now held by R\. Okafor/,
    ],
    [
      'a nurse’s work, by the charge nurse',
      ownedBy(nurse),
      chargeNurse,
      okafor,
      undefined,
      'forbidden',
      /reassign it instead/,
    ],
    [
      'a nurse’s work, by the supervisor',
      ownedBy(nurse),
      supervisor,
      okafor,
      undefined,
      'forbidden',
      /^Only A\. Mensah, who holds this task, can hand it over\.$/,
    ],
    [
      'to a 5E nurse',
      ownedBy(nurse),
      nurse,
      nurse5E,
      undefined,
      'invalid',
      /S\. Lindqvist does not work on 4W/,
    ],
    ['to an admin', ownedBy(nurse), nurse, admin, undefined, 'invalid', /does not work on 4W/],
    [
      'to someone the directory does not know',
      ownedBy(nurse),
      nurse,
      null,
      undefined,
      'not-found',
      /staff directory/,
    ],
    ['to herself', ownedBy(nurse), nurse, nurse, undefined, 'invalid', /already hold/],
    [
      'while another offer waits',
      offeredBy(nurse, coordinator),
      nurse,
      okafor,
      undefined,
      'conflict',
      /Already being handed to J\. Novak since 10:30/,
    ],
    [
      'with an unknown severity',
      ownedBy(nurse),
      nurse,
      okafor,
      { to: { id: okafor.id }, note: { severity: 'grave' } },
      'invalid',
      /severity/,
    ],
    [
      'with a note too long',
      ownedBy(nurse),
      nurse,
      okafor,
      { to: { id: okafor.id }, note: { summary: 'x'.repeat(301) } },
      'invalid',
      /summary/,
    ],
    ['without a receiver', ownedBy(nurse), nurse, okafor, { note }, 'invalid', /to/],
    [
      'with unknown fields',
      ownedBy(nurse),
      nurse,
      okafor,
      { to: { id: okafor.id }, priority: 'high' },
      'invalid',
      /priority/,
    ],
  ];
  test.each(refusals)('[HO1][HO2] refused: %s', (_label, task, actor, to, payload, code, message) => {
    const result = offer(task, actor, to, payload);
    expect(result).toMatchObject({ status: 'rejected', code });
    expect(result.status === 'rejected' && result.message).toMatch(message);
  });

  it('[HO2] a coordinator of the unit may receive discharge work', () => {
    const result = offer(ownedBy(nurse), nurse, coordinator, { to: { id: coordinator.id } });
    expect(result).toMatchObject({ status: 'applied', change: 'handover-offered' });
  });
});
