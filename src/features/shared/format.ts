/**
 * Times as the ward reads them, in the device's time zone: "10:42", "in 25 min", "3 h 5 min".
 * Pure functions of their inputs (`now` is passed in), so they are testable and a list of 5,000 rows
 * formats consistently within one render.
 */
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const clockFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
const dayFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });

export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '—' : clockFormat.format(ms);
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** "10:42" today, "Tomorrow 09:00", "Yesterday 18:10", otherwise "Thu 28 Nov 09:00". */
export function dayAndTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '—';
  const days = Math.round((startOfDay(ms) - startOfDay(now)) / DAY_MS);
  const time = clockFormat.format(ms);
  if (days === 0) return time;
  if (days === 1) return `Tomorrow ${time}`;
  if (days === -1) return `Yesterday ${time}`;
  return `${dayFormat.format(ms)} ${time}`;
}

/** A duration in words a nurse scans: "45 s" is never needed, so minutes, hours and days. */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE_MS) return 'under 1 min';
  if (abs < HOUR_MS) return `${Math.floor(abs / MINUTE_MS)} min`;
  if (abs < DAY_MS) {
    const h = Math.floor(abs / HOUR_MS);
    const m = Math.floor((abs % HOUR_MS) / MINUTE_MS);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(abs / DAY_MS);
  const h = Math.floor((abs % DAY_MS) / HOUR_MS);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** "in 25 min" or "25 min ago". */
export function relative(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '—';
  const diff = ms - now;
  if (Math.abs(diff) < MINUTE_MS) return 'now';
  return diff > 0 ? `in ${duration(diff)}` : `${duration(diff)} ago`;
}

/** How long something has waited since `iso`. */
export function age(iso: string, now: number): string {
  return duration(now - Date.parse(iso));
}
