import type { Figure, OutcomeReport } from './outcomes';

/**
 * The report as CSV, one row per figure, with the numbers of the JSON in a spreadsheet's units:
 * durations in minutes with one decimal (`p50_min`), shares as fractions, times ISO 8601 with the
 * relay's UTC offset (docs/METRICS.md M12). Columns that do not apply to a metric are empty.
 */
export const CSV_COLUMNS = [
  ['metric', (f) => f.metric],
  ['unit', (f) => f.unit],
  ['kind', (f) => f.kind],
  ['priority', (f) => f.priority],
  ['level', (f) => f.level],
  ['reason', (f) => f.reason],
  ['age', (f) => f.age],
  ['count', (f) => f.count],
  ['p50_min', (f) => minutes(f.p50Ms)],
  ['p90_min', (f) => minutes(f.p90Ms)],
  ['met', (f) => f.met],
  ['share', (f) => f.share],
  ['oldest_min', (f) => minutes(f.oldestMs)],
  ['tasks_url', (f) => f.tasks],
] as const satisfies ReadonlyArray<readonly [string, (f: Figure) => CsvValue]>;

/** A number already written as the sheet should show it ("12.0"): never text, never quoted. */
export class Decimal {
  constructor(readonly text: string) {}
}

export type CsvValue = string | number | Decimal | null | undefined;

/** Milliseconds as minutes with one decimal: "12.5" (a figure with no tasks has none). */
export function minutes(ms: number | null | undefined): Decimal | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  return new Decimal((ms / 60_000).toFixed(1));
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * "2026-11-26T09:00:00+01:00": ISO 8601 in the relay's local time with its offset, which a
 * spreadsheet reads as the hospital's clock time and which still names one instant.
 */
export function isoWithOffset(iso: string, at = new Date(iso)): string {
  const offset = -at.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const date = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
  const ms = at.getMilliseconds();
  // Milliseconds only when there are some: the same instant as the JSON, whole seconds read cleanly.
  const fraction = ms ? `.${String(ms).padStart(3, '0')}` : '';
  const time = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}${fraction}`;
  return `${date}T${time}${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** Window columns repeat on every row, so a sheet pasted next to another still says when it is from. */
export function reportToCsv(report: OutcomeReport): string {
  const header = [...CSV_COLUMNS.map(([name]) => name), 'window_from', 'window_to'];
  const lines = [header.join(',')];
  const from = isoWithOffset(report.window.from);
  const to = isoWithOffset(report.window.to);
  for (const figure of report.figures) {
    const cells: CsvValue[] = CSV_COLUMNS.map(([, get]) => get(figure));
    lines.push([...cells, from, to].map(csvCell).join(','));
  }
  // CRLF, as RFC 4180 and Excel expect.
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * RFC 4180 quoting, plus a guard against formula injection: unit names and titles come from upstream,
 * and a cell starting with = + - @ (or a tab or CR) would run as a formula when the sheet is opened.
 * Numbers are written as they are (a negative number is not text).
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Decimal) return value.text;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `wardline-outcomes-24h-2026-11-26T0800Z.csv`: sortable, and safe in every file system. */
export function csvFileName(report: OutcomeReport): string {
  const stamp = report.window.to.slice(0, 16).replace(/:/g, '');
  return `wardline-outcomes-${report.window.name ?? 'custom'}-${stamp}Z.csv`;
}
