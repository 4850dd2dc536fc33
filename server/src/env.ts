/**
 * Readers for configuration from the environment, shared by every part that has settings. None of them
 * throws: a bad value becomes one sentence in `problems`, so the relay can name every problem at once.
 */
export type Env = Record<string, string | undefined>;

/** The trimmed value, or undefined when unset or blank. */
export function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  return bounded(env, name, fallback, min, max, problems, Number.isInteger, 'a whole number');
}

/** A number that may have a fraction (minutes such as 0.5), within `min`..`max`. */
export function decimal(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  return bounded(env, name, fallback, min, max, problems, Number.isFinite, 'a number');
}

function bounded(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
  accepts: (n: number) => boolean,
  what: string,
): number {
  const text = value(env, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!accepts(n) || n < min || n > max) {
    problems.push(`${name} must be ${what} from ${min} to ${max}, not "${text}".`);
    return fallback;
  }
  return n;
}

export function boolean(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const text = value(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['1', 'true', 'on', 'yes'].includes(text)) return true;
  if (['0', 'false', 'off', 'no'].includes(text)) return false;
  problems.push(`${name} must be on or off (true/false), not "${text}".`);
  return fallback;
}

/** A comma-separated list, trimmed, blanks dropped. */
export function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
