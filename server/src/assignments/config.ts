import {
  DEFAULT_SHIFTS,
  expandBedRange,
  parseShifts,
  sortBeds,
  type ShiftPattern,
} from '../../../src/domain';
import { DEMO_HOSPITAL_UNITS, bedLabel } from '../demo/hospital';
import { value } from '../env';
import type { Env } from '../env';

export interface AssignmentConfig {
  /** `SHIFTS`, tiling the day (docs/ASSIGNMENTS.md AS1). */
  shifts: ShiftPattern[];
  /** `UNIT_BEDS`: each unit's beds; the demo hospital's in development when unset (AS2). */
  unitBeds: Record<string, string[]>;
}

/**
 * `SHIFTS=07:00-19:00,19:00-07:00` and `UNIT_BEDS=4W=4W-01..4W-28;5E=5E-01..5E-24` (ranges or single
 * beds, comma-separated). Problems are added as sentences an operator can act on.
 */
export function parseAssignmentConfig(env: Env, development: boolean, problems: string[]): AssignmentConfig {
  const parsed = parseShifts(value(env, 'SHIFTS') ?? DEFAULT_SHIFTS);
  if (!parsed.ok) problems.push(parsed.problem);
  const raw = value(env, 'UNIT_BEDS');
  const unitBeds: Record<string, string[]> = {};
  if (raw) {
    for (const entry of raw
      .split(';')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const [unit, beds] = entry.split('=').map((s) => s.trim());
      if (!unit || !beds) {
        problems.push(`UNIT_BEDS entry "${entry}" must look like 4W=4W-01..4W-28.`);
        continue;
      }
      unitBeds[unit] = sortBeds(
        beds
          .split(',')
          .flatMap((b) => expandBedRange(b.trim()))
          .filter(Boolean),
      );
    }
  } else if (development) {
    for (const unit of DEMO_HOSPITAL_UNITS)
      unitBeds[unit.code] = Array.from({ length: unit.beds }, (_, i) => bedLabel(unit.code, i + 1));
  }
  return { shifts: parsed.ok ? parsed.shifts : [], unitBeds };
}
