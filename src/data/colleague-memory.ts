import { principalOfColleague, type Colleague, type Principal } from '../domain';

/**
 * The colleagues lists this page has fetched, per unit, in memory only (names, roles and presence; no
 * patient data). Two readers: a picker opened offline shows the last list (an offer made offline waits
 * in the outbox like any action), and `applyPending` shows an offer or a reassignment at once by knowing
 * whom it names (docs/SYNC.md S14). Gone at sign-out, which reloads the page.
 */
const byUnit = new Map<string, { colleagues: Colleague[]; at: string }>();

export function rememberColleagues(unit: string, colleagues: Colleague[], at: string): void {
  byUnit.set(unit, { colleagues, at });
}

export function rememberedColleagues(unit: string): { colleagues: Colleague[]; at: string } | undefined {
  return byUnit.get(unit);
}

/** The colleague an offer or reassignment names, as `decide` needs them; null when never seen here. */
export function rememberedPrincipal(id: string): Principal | null {
  for (const { colleagues } of byUnit.values()) {
    const found = colleagues.find((c) => c.id === id);
    if (found) return principalOfColleague(found);
  }
  return null;
}
