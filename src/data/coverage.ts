import { z } from 'zod';
import { Role } from '../domain';
import type { TokenSource } from './auth/token-source';

/** A role an escalation chain needs on a unit (`*`: hospital-wide) with nobody reachable in it now. */
export const CoverageGap = z.object({
  unit: z.string(),
  role: Role,
  scope: z.enum(['unit', 'hospital']),
});
export type CoverageGap = z.infer<typeof CoverageGap>;

/** A unit's beds with no nurse this shift, and those whose assignment ended at the shift change (docs/ASSIGNMENTS.md). */
export const BedCoverage = z.object({
  unit: z.string(),
  unassigned: z.array(z.string()),
  ended: z.array(z.string()),
});
export type BedCoverage = z.infer<typeof BedCoverage>;

/** `beds` is absent from relays older than patient assignments. */
const CoverageAnswer = z.object({ gaps: z.array(CoverageGap), beds: z.array(BedCoverage).default([]) });
export type Coverage = z.infer<typeof CoverageAnswer>;

/** Both parts of `GET /api/coverage`: the role gaps and the beds without a nurse [A-P7]. */
export async function fetchCoverageReport(tokens: TokenSource): Promise<Coverage | null> {
  const res = await fetch('/api/coverage', {
    headers: { authorization: `Bearer ${await tokens.getAccessToken()}` },
    cache: 'no-store',
  });
  if (res.status === 403) return null;
  if (!res.ok) throw new Error(`Escalation coverage is unavailable (${res.status}).`);
  return CoverageAnswer.parse(await res.json());
}

/**
 * `GET /api/coverage` [E8]: the gaps on the caller's units. Null when the relay says this person may not
 * see coverage (403) — the warning is then simply not shown; throws when the relay cannot be reached.
 */
export async function fetchCoverage(tokens: TokenSource): Promise<CoverageGap[] | null> {
  return (await fetchCoverageReport(tokens))?.gaps ?? null;
}
