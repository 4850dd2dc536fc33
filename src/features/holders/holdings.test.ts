import { describe, expect, it } from 'vitest';
import { NO_ESCALATION, type Colleague } from '../../domain';
import { aTask, at, chargeNurse, nurse, NOW, okafor, ownedBy } from '../../domain/testing/fixtures';
import { holdingsOf } from './holdings';

const now = Date.parse(NOW);
const presence: Colleague[] = [
  { id: okafor.id, name: okafor.name, roles: ['Nurse'], units: ['4W'], onShift: false, openCount: 2 },
  { id: nurse.id, name: nurse.name, roles: ['Nurse'], units: ['4W'], onShift: true, openCount: 1 },
  {
    id: chargeNurse.id,
    name: chargeNurse.name,
    roles: ['ChargeNurse'],
    units: ['4W'],
    onShift: true,
    openCount: 0,
  },
];

describe('who holds what: the unit’s open work by holder, then unclaimed', () => {
  it('groups by owner with presence, lists idle colleagues on shift, and ends with Unclaimed', () => {
    const tasks = [
      ownedBy(okafor, { id: 'later', dueAt: at('14:00') }),
      ownedBy(okafor, { id: 'overdue', dueAt: at('10:00') }),
      ownedBy(nurse, { id: 'mine', dueAt: at('13:00') }),
      aTask({ id: 'free', dueAt: at('12:00') }),
      aTask({ id: 'other-unit', unit: '5E' }),
      ownedBy(nurse, { id: 'done', status: 'completed' }),
    ];
    const board = holdingsOf(tasks, '4W', presence, now);
    expect(board.map((h) => [h.name, h.onShift, h.tasks.map((t) => t.id)])).toEqual([
      // R. Okafor holds something overdue: her group and that task come first.
      ['R. Okafor', false, ['overdue', 'later']],
      ['A. Mensah', true, ['mine']],
      ['T. Adeyemi', true, []],
      ['Unclaimed', null, ['free']],
    ]);
  });

  it('escalating work comes before merely overdue work in a group', () => {
    const escalating = ownedBy(okafor, {
      id: 'escalating',
      dueAt: at('12:00'),
      escalation: { ...NO_ESCALATION, level: 1, nextAt: at('11:00'), stopWhen: 'acknowledged' },
    });
    const board = holdingsOf(
      [ownedBy(okafor, { id: 'overdue', dueAt: at('09:00') }), escalating],
      '4W',
      [],
      now,
    );
    expect(board[0]!.tasks.map((t) => t.id)).toEqual(['escalating', 'overdue']);
    // Someone the relay did not list has no presence shown rather than a wrong one.
    expect(board[0]!.onShift).toBeNull();
  });
});
