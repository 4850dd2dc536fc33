/**
 * Percentiles by the nearest-rank method: the P-th percentile of n values sorted ascending is the value
 * at rank ⌈P/100 × n⌉ (1-based). It is always one of the observed values — so it names a real task
 * ("p90 is 42 min: task dc-118") — and needs no interpolation that nobody on a ward could check by hand.
 */
export function nearestRankIndex(p: number, n: number): number {
  if (n < 1) return -1;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  // p × n first: (p / 100) × n is inexact in binary (0.28 × 25 = 7.000000000000001 would round up to 8).
  return Math.max(1, Math.ceil((p * n) / 100)) - 1;
}

/** The nearest-rank percentile of values already sorted ascending, or null when there are none. */
export function nearestRank(sortedAscending: readonly number[], p: number): number | null {
  const index = nearestRankIndex(p, sortedAscending.length);
  return index < 0 ? null : (sortedAscending[index] ?? null);
}
