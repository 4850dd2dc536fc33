import { describe, expect, it } from 'vitest';
import { principalOfColleague, mayReceive } from './colleagues';
import { applyPending } from './pending';
import { admin, coordinator, nurse, nurse5E, okafor, ownedBy } from './testing/fixtures';

const asColleague = (p: typeof nurse) => ({ id: p.id, name: p.name, roles: p.roles, units: p.units });

describe('colleagues', () => {
  it('[HO2] the picker offers exactly who the relay would accept', () => {
    const task = ownedBy(nurse);
    expect(mayReceive(task, asColleague(okafor))).toBe(true);
    expect(mayReceive(task, asColleague(coordinator))).toBe(true);
    expect(mayReceive(task, asColleague(nurse5E))).toBe(false);
    expect(mayReceive(task, asColleague(admin))).toBe(false);
    // A coordinator of another unit only: never offered for 4W's work.
    expect(mayReceive(task, { ...asColleague(coordinator), units: ['5E'] })).toBe(false);
  });

  it('[HO1] an offer made offline shows "being handed to" at once when the device knows the colleague', () => {
    const command = {
      commandId: '00000000-0000-4000-8000-000000000001',
      taskId: ownedBy(nurse).id,
      type: 'handover.offer' as const,
      payload: { to: { id: okafor.id } },
      issuedAt: '2025-03-14T10:50:00.000Z',
    };
    const known = applyPending(ownedBy(nurse), [{ command }], nurse, 'UTC', (id) =>
      id === okafor.id ? principalOfColleague(asColleague(okafor)) : null,
    );
    expect(known.handover).toMatchObject({
      from: { id: nurse.id },
      to: { id: okafor.id, name: 'R. Okafor' },
    });
    // Without the colleague the overlay waits for the relay's answer instead of guessing.
    expect(applyPending(ownedBy(nurse), [{ command }], nurse).handover).toBeNull();
  });
});
