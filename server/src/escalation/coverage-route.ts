import { hasRole, type EscalationPolicy, type Principal } from '../../../src/domain';
import type { RequestGuard } from '../auth';
import { sendJson } from '../http/json';
import { sendError } from '../http/errors';
import type { Router } from '../http/router';
import { coverageGaps } from './coverage';
import type { BedCoverage } from '../assignments/service';

export interface CoverageDeps {
  guard: RequestGuard;
  policies: readonly EscalationPolicy[];
  /** Everyone reachable now: live hub connections and devices subscribed to pushes. */
  reachable: () => Promise<Principal[]>;
  /** Beds without a nurse, ended at the shift change, or whose nurse is unreachable (ASSIGNMENTS.md AS17). */
  beds?: (units: readonly string[]) => Promise<BedCoverage[]>;
}

/**
 * `GET /api/coverage`: for coordinators, charge nurses and supervisors, the gaps on their units
 * ("nobody is signed in as charge nurse on 5E") before a stat result can dead-end there.
 */
export function registerCoverageRoute(
  router: Router,
  { guard, policies, reachable, beds }: CoverageDeps,
): void {
  router.get('/api/coverage', async (req, res) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    if (!hasRole(principal, 'Coordinator', 'ChargeNurse', 'Supervisor')) {
      return sendError(
        res,
        'forbidden',
        'Escalation coverage is for coordinators, charge nurses and supervisors.',
      );
    }
    sendJson(res, 200, {
      gaps: coverageGaps(principal.units, policies, await reachable()),
      beds: beds ? await beds(principal.units) : [],
    });
  });
}
