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
 * One line (the rest cut short on a phone) that opens the detail, and a Dismiss that holds until the
 * gaps change, so the warning does not take a phone's screen from the list.
 */
export function CoverageWarning() {
  const { me, tokens } = useSession();
  const allowed = hasRole(me, ...COVERAGE_ROLES);
  const live = useConnection((s) => s.link === 'live');
  const [gaps, setGaps] = useState<CoverageGap[] | null>(null);
  const [open, setOpen] = useState(false);
  const [dismissed, setDismissed] = useState<string | null>(null);
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
  const hasGaps = gaps !== null && gaps.length > 0;
  const signature = `${gaps ? coverageSignature(gaps) : ''}|${bedLines.join(';')}`;
  if (!allowed || (!hasGaps && bedLines.length === 0) || dismissed === signature) return null;
  const phrases = hasGaps ? gapPhrases(gaps) : [];
  return (
    <section className="coverage-warning" aria-labelledby="coverage-warning-title">
      <div className="coverage-line">
        <button
          type="button"
          className="coverage-toggle"
          aria-expanded={open}
          aria-controls="coverage-detail"
          onClick={() => setOpen((v) => !v)}
        >
          <span aria-hidden="true" className="coverage-icon">
            !
          </span>
          {hasGaps ? (
            <span className="coverage-summary">
              <strong id="coverage-warning-title">Escalations could dead-end.</strong> Nobody reachable as{' '}
              {phrases.join('; ')}.
            </span>
          ) : (
            <span className="coverage-summary">
              <strong id="coverage-warning-title">Beds need a nurse.</strong> {bedLines[0]}
              {bedLines.length > 1 ? ' …' : ''}
            </span>
          )}
        </button>
        <button
          type="button"
          className="btn btn-quiet coverage-dismiss"
          aria-label="Dismiss the coverage warning"
          onClick={() => {
            setDismissed(signature);
            setOpen(false);
          }}
        >
          Dismiss
        </button>
      </div>
      {open && (
        <div id="coverage-detail" className="coverage-detail">
          {hasGaps && (
            <>
              <p>Nobody can be reached (no live connection, no device with alerts) as:</p>
              {/* One row per unreachable role; other kinds of gap add their own rows to this list. */}
              <ul className="coverage-rows">
                {phrases.map((phrase) => (
                  <li key={phrase}>{phrase}</li>
                ))}
              </ul>
            </>
          )}
          <BedsWithoutNurse beds={beds} />
          <p className="muted small">Dismissed, this warning comes back when the gaps change.</p>
        </div>
      )}
    </section>
  );
}

/**
 * What the warning says, as one string: a dismissal holds until this changes (someone signs in, a new
 * unit goes uncovered). Roles and units only, no patient data; kept in memory for this page.
 */
export function coverageSignature(gaps: readonly CoverageGap[]): string {
  return gaps
    .map((g) => `${g.role}@${g.scope === 'unit' ? g.unit : '*'}`)
    .sort()
    .join(',');
}
