import type { Figure, OutcomeReport } from './outcomes';

/**
 * The report as CSV, one row per figure, with the very numbers of the JSON (milliseconds, shares as
 * fractions): a coordinator's spreadsheet and the dashboard never disagree. Columns that do not apply
 * to a metric are empty.
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
  ['p50_ms', (f) => f.p50Ms],
  ['p90_ms', (f) => f.p90Ms],
  ['met', (f) => f.met],
  ['share', (f) => f.share],
  ['oldest_ms', (f) => f.oldestMs],
  ['tasks_url', (f) => f.tasks],
] as const satisfies ReadonlyArray<readonly [string, (f: Figure) => string | number | null | undefined]>;

/** Window columns repeat on every row, so a sheet pasted next to another still says when it is from. */
export function reportToCsv(report: OutcomeReport): string {
  const header = [...CSV_COLUMNS.map(([name]) => name), 'window_from', 'window_to'];
  const lines = [header.join(',')];
  for (const figure of report.figures) {
    const cells = CSV_COLUMNS.map(([, get]) => get(figure));
    lines.push([...cells, report.window.from, report.window.to].map(csvCell).join(','));
  }
  // CRLF, as RFC 4180 and Excel expect.
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * RFC 4180 quoting, plus a guard against formula injection: unit names and titles come from upstream,
 * and a cell starting with = + - @ (or a tab or CR) would run as a formula when the sheet is opened.
 * Numbers are written as they are (a negative number is not text).
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
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
