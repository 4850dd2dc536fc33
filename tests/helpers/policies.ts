import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICIES, type EscalationPolicy } from '../../src/domain';

/**
 * The default policies without their on-arrival levels (the assigned nurse, docs/ASSIGNMENTS.md AS13):
 * the charge nurse at the acknowledge-by time, then the supervisor. Tests of the chain's mechanics
 * (levels, repeats, restarts, coalescing) run on it, so they do not depend on who has which bed.
 */
export const CHARGE_NURSE_FIRST: EscalationPolicy[] = DEFAULT_POLICIES.policies.map((p) => ({
  ...p,
  levels: p.levels.filter((l) => !l.onArrival),
}));

let file: string | null = null;

/** `ESCALATION_POLICY_FILE` for a test relay, pointing at CHARGE_NURSE_FIRST. */
export function chargeNurseFirstEnv(): { ESCALATION_POLICY_FILE: string } {
  if (!file) {
    file = join(mkdtempSync(join(tmpdir(), 'wardline-policies-')), 'policies.json');
    writeFileSync(file, JSON.stringify({ version: 1, policies: CHARGE_NURSE_FIRST }));
  }
  return { ESCALATION_POLICY_FILE: file };
}

/**
 * `SHIFTS` for a test relay on the real clock that must not meet a shift change while it runs: the
 * defaults change at 07:00 and 19:00 in `TIME_ZONE` (UTC in tests), and a change ends every bed
 * assignment (docs/ASSIGNMENTS.md), so a run that crossed 19:00 lost the beds it had just assigned.
 * Two 12-hour shifts with `now` six hours into the first.
 */
export function shiftsAroundNow(now = new Date()): { SHIFTS: string } {
  const at = (hour: number) => `${String((hour + 24) % 24).padStart(2, '0')}:00`;
  const start = now.getUTCHours() - 6;
  return { SHIFTS: `${at(start)}-${at(start + 12)},${at(start + 12)}-${at(start)}` };
}
