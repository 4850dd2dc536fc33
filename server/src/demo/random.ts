/**
 * A small seeded pseudo-random generator for the demo hospital. Not for anything secret: its only job
 * is that the same seed gives the same hospital on every machine, so a demo, a test and a benchmark can
 * be replayed byte for byte. `Math.random` is never used in server/src/demo.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** One element of a non-empty list, each chosen in proportion to its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
}

/**
 * Turns any finite number into the 32-bit state the generator runs on. Fractions are dropped and
 * negative seeds wrap, so `DEMO_SEED=-1` is as good a seed as `DEMO_SEED=42`.
 */
export function normalizeSeed(seed: number): number {
  if (!Number.isFinite(seed))
    throw new RangeError(`the demo seed must be a finite number (got ${String(seed)})`);
  return Math.trunc(seed) >>> 0;
}

/**
 * A 32-bit counter-based generator in the mulberry32 style: the state advances by a fixed odd constant
 * (so every one of the 2^32 states is visited once) and each state is scrambled by multiply-xorshift
 * rounds into the output. Plenty for shuffling fictional patients; fast and a few lines long.
 */
export function createRandom(seed: number): Random {
  let state = normalizeSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const random: Random = {
    next,
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    chance(p) {
      return next() < p;
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted(choices) {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [value, weight] of choices) {
        roll -= weight;
        if (roll < 0) return value;
      }
      // Rounding can leave a sliver of the roll: fall back to the last choice that could be chosen.
      const last = [...choices].reverse().find(([, weight]) => weight > 0);
      if (!last) throw new RangeError('cannot choose when no choice has a weight above zero');
      return last[0];
    },
  };
  return random;
}
