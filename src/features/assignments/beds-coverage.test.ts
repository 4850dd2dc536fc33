import { describe, expect, it } from 'vitest';
import { bedCoverageLines } from './beds-coverage';

describe('[A-P7] the coverage warning names the beds without a nurse', () => {
  it('lists one unit’s open beds, and the ones whose assignment ended at shift change apart', () => {
    expect(
      bedCoverageLines([{ unit: '4W', unassigned: ['4W-07', '4W-08', '4W-09'], ended: ['4W-09'] }]),
    ).toEqual(['Beds without a nurse: 4W-07, 4W-08', 'Assignment ended at shift change: 4W-09']);
  });
  it('names the unit when the person covers several, and says nothing for a fully staffed unit', () => {
    expect(
      bedCoverageLines([
        { unit: '4W', unassigned: [], ended: [] },
        { unit: '5E', unassigned: ['5E-02'], ended: [] },
      ]),
    ).toEqual(['Beds without a nurse on 5E: 5E-02']);
  });
  it('drops an ended bed that was taken again', () => {
    expect(bedCoverageLines([{ unit: '4W', unassigned: [], ended: ['4W-01'] }])).toEqual([]);
  });
});
