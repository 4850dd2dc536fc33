import { useEffect, useState } from 'react';
import { hasRole, type Role } from '../../domain';
import { fetchCoverageReport, type BedCoverage, type CoverageGap } from '../../data/coverage';
import { BedsWithoutNurse, bedCoverageLines } from '../assignments/beds-coverage';
import { useSession } from '../../app/session';
import { useConnection } from '../../state/connection-store';
import { ROLE_WORDS } from '../shared/words';

/**
 * How often the coverage is asked again: a gap opens when someone's last connection drops or closes a
 * gap when someone signs in, and a coordinator should see either within a cup of tea's time. One small
 * GET per coordinator every 20 s is nothing for the relay.
 */
export const COVERAGE_REFRESH_MS = 20_000;

/** Who `GET /api/coverage` answers: the people who can do something about a gap. */
const COVERAGE_ROLES: Role[] = ['Coordinator', 'ChargeNurse', 'Supervisor'];

/** "charge nurse on 5E, ICU" and "house supervisor": one phrase per role, units together. */
export function gapPhrases(gaps: readonly CoverageGap[]): string[] {
  const byRole = new Map<Role, string[]>();
  for (const gap of gaps) {
    const units = byRole.get(gap.role) ?? [];
    if (gap.scope === 'unit') units.push(gap.unit);
    byRole.set(gap.role, units);
  }
  return [...byRole].map(([role, units]) => {
    const name = ROLE_WORDS[role].toLowerCase();
    return units.length > 0 ? `${name} on ${units.join(', ')}` : `${name} (hospital-wide)`;
  });
}

/**
 * The coverage-gap warning [E8]: units where an escalation chain's target role has nobody reachable (no
 * live connection, no device subscribed to pushes), so a stat result there would dead-end. Asked at
 * start, every `COVERAGE_REFRESH_MS`, and whenever the connection comes back; nurses never see it.
 */
export function CoverageWarning() {
  const { me, tokens } = useSession();
  const allowed = hasRole(me, ...COVERAGE_ROLES);
  const live = useConnection((s) => s.link === 'live');
  const [gaps, setGaps] = useState<CoverageGap[] | null>(null);
  const [beds, setBeds] = useState<BedCoverage[]>([]);

  useEffect(() => {
    if (!allowed || !live) return;
    let cancelled = false;
    const refresh = () => {
      fetchCoverageReport(tokens).then(
        (next) => {
          if (cancelled) return;
          setGaps(next?.gaps ?? null);
          setBeds(next?.beds ?? []);
        },
        // Unreachable: keep what was last known; the next refresh or reconnect asks again.
        () => undefined,
      );
    };
    refresh();
    const timer = setInterval(refresh, COVERAGE_REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [allowed, live, tokens]);

  const bedLines = bedCoverageLines(beds);
  if (!allowed || ((!gaps || gaps.length === 0) && bedLines.length === 0)) return null;
  return (
    <section className="coverage-warning" aria-labelledby="coverage-warning-title">
      {gaps && gaps.length > 0 ? (
        <p>
          <span aria-hidden="true" className="coverage-icon">
            !
          </span>
          <strong id="coverage-warning-title">Escalations could dead-end.</strong> Nobody reachable as{' '}
          {gapPhrases(gaps).join('; ')}.
        </p>
      ) : (
        <p>
          <span aria-hidden="true" className="coverage-icon">
            !
          </span>
          <strong id="coverage-warning-title">Beds need a nurse.</strong>
        </p>
      )}
      <BedsWithoutNurse beds={beds} />
    </section>
  );
}
