import { describe, expect, it } from 'vitest';
import { bedsBetween, rangeWords } from './bed-range';

const BEDS = ['4W-01', '4W-02', '4W-03', '4W-04', '4W-05', '4W-06', '4W-07'];

describe('a range of beds for the charge nurse’s "4W-01 to 4W-06 → R. Okafor"', () => {
  it('takes the beds between the two, both included, in either order', () => {
    expect(bedsBetween(BEDS, '4W-01', '4W-06')).toEqual(BEDS.slice(0, 6));
    expect(bedsBetween(BEDS, '4W-06', '4W-01')).toEqual(BEDS.slice(0, 6));
    expect(bedsBetween(BEDS, '4W-03', '4W-03')).toEqual(['4W-03']);
  });
  it('is empty when a bed is not on the board', () => {
    expect(bedsBetween(BEDS, '4W-01', '5E-02')).toEqual([]);
  });
  it('names one bed or the ends of a range', () => {
    expect(rangeWords(['4W-03'])).toBe('4W-03');
    expect(rangeWords(BEDS.slice(0, 6))).toBe('4W-01 to 4W-06');
  });
});
