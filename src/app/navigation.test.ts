import { describe, expect, it } from 'vitest';
import { chargeNurse, coordinator, nurse, supervisor } from '../domain/testing/fixtures';
import { viewsFor } from './navigation';

describe('[A-P1] Beds is in the navigation of those who work beds', () => {
  it('follows My work for a nurse and a charge nurse', () => {
    expect(viewsFor(nurse).map((v) => v.label)).toEqual(['My work', 'Beds', 'Unit queue']);
    expect(viewsFor(chargeNurse).map((v) => v.label)).toEqual([
      'Escalations',
      'Who holds what',
      'My work',
      'Beds',
      'Unit queue',
      'Outcomes',
    ]);
  });
  it('is not offered to coordinators, supervisors, or anyone on no unit', () => {
    expect(viewsFor(coordinator).map((v) => v.id)).not.toContain('beds');
    expect(viewsFor(supervisor).map((v) => v.id)).not.toContain('beds');
    expect(viewsFor({ ...nurse, units: [] }).map((v) => v.id)).not.toContain('beds');
  });
});
