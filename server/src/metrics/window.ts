const HOUR_MS = 3_600_000;

/**
 * The windows the dashboard offers. A shift is 12 hours on the wards Wardline serves (07–19, 19–07);
 * "last shift" means the 12 hours up to now, not the previous rostered shift, so it needs no roster.
 */
export const NAMED_WINDOWS = {
  '12h': 12 * HOUR_MS,
  shift: 12 * HOUR_MS,
  '24h': 24 * HOUR_MS,
  '7d': 7 * 24 * HOUR_MS,
} as const;
export type WindowName = keyof typeof NAMED_WINDOWS;
export const DEFAULT_WINDOW: WindowName = '24h';

/** An explicit from/to may span at most a quarter: the answer stays quick and the CSV stays openable. */
export const MAX_WINDOW_MS = 92 * 24 * HOUR_MS;

/** A half-open interval [from, to) of ISO-8601 UTC instants, as stored in `changes.at`. */
export interface MetricWindow {
  /** `24h`, `7d` …, or null for an explicit from/to. */
  name: WindowName | null;
  from: string;
  to: string;
}

export type WindowResult = { ok: true; window: MetricWindow } | { ok: false; message: string };

/**
 * `window=12h|shift|24h|7d` (ending now), or `from=<ISO>&to=<ISO>` (`to` defaults to now). Times with an
 * offset are accepted and normalised to UTC, because stored times compare as strings.
 */
export function parseWindow(params: URLSearchParams, now: Date): WindowResult {
  const from = params.get('from');
  const to = params.get('to');
  const name = params.get('window');
  if (from !== null || to !== null) {
    if (name !== null) return { ok: false, message: 'Give either window or from/to, not both.' };
    if (from === null) return { ok: false, message: 'from is required with to (an ISO-8601 time).' };
    const fromMs = parseInstant(from);
    const toMs = to === null ? now.getTime() : parseInstant(to);
    if (fromMs === null) return { ok: false, message: `from is not an ISO-8601 time: "${clip(from)}".` };
    if (toMs === null) return { ok: false, message: `to is not an ISO-8601 time: "${clip(to ?? '')}".` };
    if (fromMs >= toMs) return { ok: false, message: 'from must be before to.' };
    if (toMs - fromMs > MAX_WINDOW_MS) {
      return { ok: false, message: 'A window may span at most 92 days; export longer periods in parts.' };
    }
    return {
      ok: true,
      window: { name: null, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    };
  }
  const chosen = name ?? DEFAULT_WINDOW;
  if (!isWindowName(chosen)) {
    return {
      ok: false,
      message: `window must be one of ${Object.keys(NAMED_WINDOWS).join(', ')}, or give from and to.`,
    };
  }
  return {
    ok: true,
    window: {
      name: chosen,
      from: new Date(now.getTime() - NAMED_WINDOWS[chosen]).toISOString(),
      to: now.toISOString(),
    },
  };
}

function isWindowName(value: string): value is WindowName {
  return Object.hasOwn(NAMED_WINDOWS, value);
}

/** Full date and time with a zone (Z or ±hh:mm) only: a bare date would silently mean UTC midnight. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseInstant(raw: string): number | null {
  // An unencoded `+01:00` arrives as ` 01:00` (a `+` in a query string means a space).
  const value = raw.replace(/ (\d{2}:\d{2})$/, '+$1');
  if (!INSTANT.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
