import { hasRole, isMemberOf, type EscalationPolicy, type Principal, type Role } from '../../../src/domain';

/** A role an escalation chain needs on a unit, and whether anyone can be reached in it right now. */
export interface CoverageGap {
  unit: string;
  role: Role;
  scope: 'unit' | 'hospital';
}

/**
 * Who an escalation could reach now: people with a live connection, or a device subscribed to pushes.
 * A unit where a chain's target role has nobody reachable is a gap: a stat result there would
 * dead-end, so coordinators and the supervisor are warned before it happens.
 */
export function coverageGaps(
  units: readonly string[],
  policies: readonly EscalationPolicy[],
  reachable: readonly Principal[],
): CoverageGap[] {
  const targets = new Map<string, { role: Role; scope: 'unit' | 'hospital' }>();
  for (const policy of policies) {
    for (const level of policy.levels)
      // The assigned nurse is a person per bed, not a role to staff: beds without one are listed
      // apart (ASSIGNMENTS.md AS17), and her level is skipped when she cannot be reached.
      if (level.target.role !== 'AssignedNurse')
        targets.set(`${level.target.role}|${level.target.scope}`, level.target);
  }
  const gaps: CoverageGap[] = [];
  for (const { role, scope } of targets.values()) {
    if (scope === 'hospital') {
      if (!reachable.some((p) => hasRole(p, role))) gaps.push({ unit: '*', role, scope });
      continue;
    }
    for (const unit of units) {
      if (!reachable.some((p) => hasRole(p, role) && isMemberOf(p, unit))) gaps.push({ unit, role, scope });
    }
  }
  return gaps;
}
