import type { Role } from '../../../src/domain/principal';
import type { StaffDirectory } from './directory';

/** The demo hospital's units: a medical ward, a surgical ward and intensive care. */
export const DEMO_UNITS = ['4W', '5E', 'ICU'] as const;

/** The development issuer's fixed tenant, so demo directory entries survive restarts. Not a real tenant. */
export const DEV_TENANT_ID = '7e57de00-0000-4000-8000-000000000001';

export interface DemoStaff {
  /** Also the token's `oid`: readable, because tests and scripts name demo staff by it. */
  id: string;
  name: string;
  role: Role;
  /** Initial units; the staff directory holds the current ones. */
  units: readonly string[];
}

/**
 * Fictional people, one or more for every role on every demo unit. Two nurses share 4W so a claim
 * conflict can be shown ("claimed by R. Okafor at 10:42").
 */
export const DEMO_STAFF: readonly DemoStaff[] = [
  { id: 'nurse-okafor', name: 'R. Okafor', role: 'Nurse', units: ['4W'] },
  { id: 'nurse-brightwater', name: 'D. Brightwater', role: 'Nurse', units: ['4W'] },
  { id: 'nurse-quillon', name: 'S. Quillon', role: 'Nurse', units: ['5E'] },
  { id: 'nurse-vellacourt', name: 'T. Vellacourt', role: 'Nurse', units: ['ICU'] },
  { id: 'charge-4w-marchbank', name: 'H. Marchbank', role: 'ChargeNurse', units: ['4W'] },
  { id: 'charge-5e-fennimore', name: 'E. Fennimore', role: 'ChargeNurse', units: ['5E'] },
  { id: 'charge-icu-penhallow', name: 'J. Penhallow', role: 'ChargeNurse', units: ['ICU'] },
  { id: 'coordinator-sorrel', name: 'M. Sorrel', role: 'Coordinator', units: [...DEMO_UNITS] },
  { id: 'supervisor-achterberg', name: 'B. Achterberg', role: 'Supervisor', units: [...DEMO_UNITS] },
  // Admins manage the directory and see no patient work (visibleTo), so no units.
  { id: 'admin-demo', name: 'Demo Admin', role: 'Admin', units: [] },
  // The integration engine that feeds events (POST /api/events needs Ingest); not a person.
  { id: 'integration-engine', name: 'Integration engine (demo)', role: 'Ingest', units: [] },
];

export function findDemoStaff(id: string): DemoStaff | undefined {
  return DEMO_STAFF.find((s) => s.id === id);
}

/**
 * Places the demo staff on their units, once: people already in the directory keep what they have, so a
 * move made during a demo survives a restart. Returns how many were added.
 */
export async function seedDemoDirectory(directory: StaffDirectory): Promise<number> {
  let added = 0;
  for (const staff of DEMO_STAFF) {
    if (await directory.get(DEV_TENANT_ID, staff.id)) continue;
    await directory.setUnits(DEV_TENANT_ID, staff.id, {
      name: staff.name,
      roles: [staff.role],
      units: [...staff.units],
      by: 'dev-seed',
    });
    added += 1;
  }
  return added;
}
