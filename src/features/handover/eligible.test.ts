import { describe, expect, it } from 'vitest';
import type { Colleague, Principal } from '../../domain';
import {
  aResult,
  aTask,
  admin,
  chargeNurse,
  coordinator,
  nurse,
  nurse5E,
  NOW,
  okafor,
  ownedBy,
} from '../../domain/testing/fixtures';
import { offersFor } from '../task/available-actions';
import { eligibleFor } from './eligible';

function colleague(p: Principal, onShift = true, openCount = 0): Colleague {
  return { id: p.id, name: p.name, roles: p.roles, units: p.units, onShift, openCount };
}

const otherUnitCoordinator: Principal = {
  ...coordinator,
  id: 'oid-coord-5e',
  name: 'K. Elsewhere',
  units: ['5E'],
};
const everyone = [
  colleague(nurse, true, 4),
  colleague(okafor, false, 1),
  colleague(nurse5E),
  colleague(admin),
  colleague(chargeNurse, true, 0),
  colleague(otherUnitCoordinator),
  colleague(coordinator, true, 2),
];

describe('[HO2] the picker offers exactly the colleagues decide would accept', () => {
  it('reassigning a 4W nurse task: 4W nurses and leads, never a 5E nurse, an admin or another unit’s coordinator', () => {
    const task = ownedBy(okafor, { kind: 'follow-up', candidateRoles: ['Nurse'] });
    const names = eligibleFor(everyone, [task], 'reassign', chargeNurse, NOW).map((c) => c.name);
    // Not the charge nurse herself, not the owner; on shift first, lightest load first.
    expect(names).toEqual(['A. Mensah']);
  });

  it('a discharge may also go to the unit’s coordinator; on shift and light load come first', () => {
    const task = ownedBy(okafor);
    const names = eligibleFor(everyone, [task], 'reassign', chargeNurse, NOW).map((c) => c.name);
    expect(names).toEqual(['J. Novak', 'A. Mensah']);
  });

  it('a handover offer by the owner lists the same kind of people, never herself', () => {
    const task = ownedBy(nurse);
    const names = eligibleFor(everyone, [task], 'handover.offer', nurse, NOW).map((c) => c.name);
    expect(names).toEqual(['T. Adeyemi', 'J. Novak', 'R. Okafor']);
  });

  it('a nurse may reassign nothing: nobody is offered and the task has no Reassign', () => {
    const task = ownedBy(okafor);
    expect(eligibleFor(everyone, [task], 'reassign', nurse, NOW)).toEqual([]);
    expect(offersFor(task, nurse, NOW).reassign).toBe(false);
    expect(offersFor(task, chargeNurse, NOW).reassign).toBe(true);
  });

  it('only the owner is offered Hand over; a pending offer offers its receiver the answer', () => {
    const task = ownedBy(okafor);
    expect(offersFor(task, okafor, NOW).handOver).toBe(true);
    expect(offersFor(task, chargeNurse, NOW).handOver).toBe(false);
    expect(offersFor(aTask(), nurse, NOW).handOver).toBe(false);
    const offered = ownedBy(okafor, {
      handover: {
        from: { id: okafor.id, name: okafor.name },
        to: { id: nurse.id, name: nurse.name },
        offeredAt: NOW,
        note: null,
        alertedAt: null,
      },
    });
    expect(offersFor(offered, nurse, NOW)).toMatchObject({ acceptHandover: true, declineHandover: true });
    expect(offersFor(offered, okafor, NOW)).toMatchObject({
      withdrawHandover: true,
      handOver: false,
      acceptHandover: false,
    });
  });

  it('an acknowledged result is not reassignable by a nurse either way', () => {
    expect(offersFor(aResult(), nurse, NOW).reassign).toBe(false);
  });
});
