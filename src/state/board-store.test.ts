import { describe, expect, it } from 'vitest';
import type { UnitAssignments } from '../domain';
import { isMyPatient, myBedKeys, withPending } from './board-store';

const okafor = { id: 'nurse-okafor', name: 'R. Okafor' };
const board: UnitAssignments = {
  unit: '4W',
  shift: {
    id: '2026-12-03T07:00',
    label: 'Day 07:00–19:00',
    startsAt: '2026-12-03T07:00:00.000Z',
    endsAt: '2026-12-03T19:00:00.000Z',
  },
  beds: [
    { bed: '4W-01', nurse: okafor, assignedBy: null, assignedAt: null, source: 'charge' },
    { bed: '4W-02', nurse: null, assignedBy: null, assignedAt: null, source: null },
  ],
  endedUnassigned: [],
};
const noon = Date.parse('2026-12-03T12:00:00.000Z');

describe('[A-P2] "Your patient" comes from my beds on the current shift', () => {
  it('marks a task on my bed of my unit only', () => {
    const mine = myBedKeys([board], okafor, noon);
    expect(isMyPatient({ unit: '4W', patient: { ref: 'p', name: 'x', mrn: null, bed: '4W-01' } }, mine)).toBe(
      true,
    );
    expect(isMyPatient({ unit: '4W', patient: { ref: 'p', name: 'x', mrn: null, bed: '4W-02' } }, mine)).toBe(
      false,
    );
    expect(isMyPatient({ unit: '5E', patient: { ref: 'p', name: 'x', mrn: null, bed: '4W-01' } }, mine)).toBe(
      false,
    );
    expect(isMyPatient({ unit: '4W', patient: null }, mine)).toBe(false);
  });
  it('forgets beds once their shift has ended', () => {
    expect(myBedKeys([board], okafor, Date.parse('2026-12-03T19:00:00.000Z')).size).toBe(0);
  });
});

describe('[A-P3] a bed action not yet answered shows on the board at once', () => {
  it('lays a take and a give-back over the stored board, for the same shift only', () => {
    const shown = withPending(
      board,
      [
        {
          commandId: 'c1',
          unit: '4W',
          beds: ['4W-02'],
          nurseId: 'nurse-okafor',
          shiftId: board.shift.id,
          madeAt: '2026-12-03T12:00:00.000Z',
        },
        {
          commandId: 'c2',
          unit: '4W',
          beds: ['4W-01'],
          nurseId: null,
          shiftId: 'old-shift',
          madeAt: '2026-12-03T12:00:00.000Z',
        },
      ],
      new Map([[okafor.id, okafor.name]]),
    );
    expect(shown.beds.map((b) => b.nurse?.name ?? null)).toEqual(['R. Okafor', 'R. Okafor']);
    expect([...shown.pendingBeds]).toEqual(['4W-02']);
  });
});
