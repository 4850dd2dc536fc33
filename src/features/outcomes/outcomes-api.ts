import { z } from 'zod';
import type { TokenSource } from '../../data/auth/token-source';

/**
 * The relay's outcome metrics (docs/METRICS.md, "HTTP"): the report, one metric's trend, the tasks
 * behind a number, and the CSV. Every call carries the access token in a header, never in the URL:
 * URLs end up in logs and history.
 */

export const WINDOWS = ['12h', '24h', '7d'] as const;
export type WindowName = (typeof WINDOWS)[number];

const Window = z.object({ name: z.string().nullable(), from: z.string(), to: z.string() });

const dimension = z.string().optional();
export const Figure = z.object({
  metric: z.string(),
  unit: z.string(),
  kind: dimension,
  priority: dimension,
  level: dimension,
  reason: dimension,
  age: dimension,
  count: z.number(),
  p50Ms: z.number().nullable().optional(),
  p90Ms: z.number().nullable().optional(),
  met: z.number().optional(),
  share: z.number().nullable().optional(),
  oldestMs: z.number().nullable().optional(),
  tasks: z.string(),
});
export type Figure = z.infer<typeof Figure>;

export const OutcomeReport = z.object({
  window: Window,
  generatedAt: z.string(),
  units: z.array(z.string()),
  figures: z.array(Figure),
});
export type OutcomeReport = z.infer<typeof OutcomeReport>;

export const OutcomeTrend = z.object({
  metric: z.string(),
  window: Window,
  bucketMs: z.number(),
  points: z.array(Figure.extend({ from: z.string(), to: z.string() })),
});
export type OutcomeTrend = z.infer<typeof OutcomeTrend>;

export const TasksBehind = z.object({
  metric: z.string(),
  value: z.string(),
  total: z.number(),
  hidden: z.number(),
  /** Absent from relays before issue 16. */
  hiddenByKind: z.record(z.string(), z.number()).optional(),
  truncated: z.boolean(),
  tasks: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      unit: z.string(),
      kind: z.string(),
      priority: z.string(),
      status: z.string(),
      value: z.number(),
      met: z.boolean().optional(),
    }),
  ),
});
export type TasksBehind = z.infer<typeof TasksBehind>;

/** A refusal or failure, with the sentence to show (the relay's own words when it gave some). */
export class OutcomesError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** What the dashboard asks for: a named window and, optionally, one of the caller's units. */
export interface OutcomeQuery {
  window: WindowName;
  unit: string | null;
}

function queryString({ window, unit }: OutcomeQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...extra, window });
  if (unit) params.set('unit', unit);
  return params.toString();
}

async function call(tokens: TokenSource, path: string, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      headers: { authorization: `Bearer ${await tokens.getAccessToken()}` },
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new OutcomesError(0, 'The outcome numbers could not be fetched: Wardline is not reachable.');
  }
  if (res.ok) return res;
  const body = ErrorBody.safeParse(await res.json().catch(() => null));
  if (res.status === 403) {
    throw new OutcomesError(
      403,
      body.success ? body.data.error.message : 'Your role does not include the outcome metrics.',
    );
  }
  throw new OutcomesError(
    res.status,
    body.success
      ? body.data.error.message
      : `The outcome numbers are unavailable (the relay answered ${res.status}).`,
  );
}

export async function fetchReport(
  tokens: TokenSource,
  query: OutcomeQuery,
  signal?: AbortSignal,
): Promise<OutcomeReport> {
  const res = await call(tokens, `/api/metrics/outcomes?${queryString(query)}`, signal);
  return OutcomeReport.parse(await res.json());
}

export async function fetchTrend(
  tokens: TokenSource,
  metric: string,
  query: OutcomeQuery,
  signal?: AbortSignal,
): Promise<OutcomeTrend> {
  const res = await call(tokens, `/api/metrics/trend?${queryString(query, { metric })}`, signal);
  return OutcomeTrend.parse(await res.json());
}

/** The tasks behind one figure: its `tasks` link, a relay path the relay itself made. */
export async function fetchTasksBehind(
  tokens: TokenSource,
  tasksPath: string,
  signal?: AbortSignal,
): Promise<TasksBehind> {
  if (!tasksPath.startsWith('/api/metrics/tasks?')) throw new OutcomesError(0, 'Not a task list link.');
  const res = await call(tokens, tasksPath, signal);
  return TasksBehind.parse(await res.json());
}

/** Long enough for the browser's download manager to have read the Blob after the click; then freed. */
const OBJECT_URL_LIFETIME_MS = 10_000;

/**
 * The CSV as a file the browser saves: fetched with the token in a header, handed to a download link
 * as a Blob (an object URL), never a link with a token in it.
 */
export async function downloadCsv(tokens: TokenSource, query: OutcomeQuery): Promise<void> {
  const res = await call(tokens, `/api/metrics/outcomes.csv?${queryString(query)}`);
  const name =
    /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ??
    `wardline-outcomes-${query.window}.csv`;
  const url = URL.createObjectURL(await res.blob());
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS);
  }
}
