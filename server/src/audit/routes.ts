import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { explainIssues, type Principal } from '../../../src/domain';
import type { RequestGuard } from '../auth';
import { sendError } from '../http/errors';
import { readJsonBody, sendJson } from '../http/json';
import type { Router } from '../http/router';
import { csvCell } from '../metrics/csv';
import type { AccessLog, AccessRecord, AccessView } from './access-log';

/** The PWA's random device id (src/data/access-log.ts): letters, digits and dashes, nothing typed. */
const DEVICE_ID = /^[A-Za-z0-9-]{8,64}$/;
/** Header the PWA sends its device id in, so the relay's own records name the device too. */
export const DEVICE_HEADER = 'x-wardline-device';
/** Opens one request may carry: a day offline on a busy ward is a few hundred. */
const MAX_OPENS_PER_REQUEST = 500;
/** A device clock this far ahead is wrong, not early: its opens are refused with a sentence. */
const CLOCK_AHEAD_TOLERANCE_MS = 5 * 60_000;
const DEFAULT_SEARCH_LIMIT = 500;
const MAX_SEARCH_LIMIT = 10_000;

const OpensBody = z.object({
  device: z.string().regex(DEVICE_ID, 'device must be the app’s device id'),
  opens: z
    .array(
      z.object({
        id: z.uuid(),
        taskId: z.string().min(1).max(200),
        view: z.enum(['detail', 'history']),
        at: z.iso.datetime({ offset: true }),
        /** True when the task was opened from the device's offline copy and this is sent later. */
        replayed: z.boolean(),
      }),
    )
    .min(1)
    .max(MAX_OPENS_PER_REQUEST),
});

/** The device a request came from: the PWA's id, or `api` for a caller that names none. */
export function deviceOf(req: IncomingMessage): string {
  const header = req.headers[DEVICE_HEADER];
  return typeof header === 'string' && DEVICE_ID.test(header) ? header : 'api';
}

/** Records that `principal` saw these tasks just now, through the relay (always online). */
export function recordRelayAccess(
  access: AccessLog,
  principal: Principal,
  req: IncomingMessage,
  taskIds: readonly string[],
  view: AccessView,
  now: Date,
): Promise<unknown> {
  if (taskIds.length === 0) return Promise.resolve();
  const device = deviceOf(req);
  const at = now.toISOString();
  return access.record(
    taskIds.map((taskId) => ({
      at,
      tenantId: principal.tenantId,
      staffId: principal.id,
      taskId,
      view,
      device,
      mode: 'online' as const,
    })),
  );
}

/**
 * `POST /api/audit/access` — the PWA's record of the tasks its person opened (sent at once online,
 * queued and sent later from an offline view; a resend of the same open id is kept once);
 * `GET /api/audit/access` — Admins and house supervisors search it by person, patient, task and period,
 * as JSON or (`format=csv`) a CSV safe to open in a spreadsheet.
 */
export function registerAccessAuditRoutes(
  router: Router,
  { access, guard, clock }: { access: AccessLog; guard: RequestGuard; clock: { now(): Date } },
): void {
  router.post('/api/audit/access', async (req, res) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    const body = await readJsonBody(req, 256 * 1024);
    if (!body.ok) return sendError(res, body.code, body.reason);
    const parsed = OpensBody.safeParse(body.value);
    if (!parsed.success)
      return sendError(res, 'invalid', `The opens are not usable: ${explainIssues(parsed.error.issues)}`);
    const latest = clock.now().getTime() + CLOCK_AHEAD_TOLERANCE_MS;
    if (parsed.data.opens.some((o) => Date.parse(o.at) > latest))
      return sendError(res, 'invalid', 'An open is dated in the future: check the device’s clock.');
    const result = await access.record(
      parsed.data.opens.map((o) => ({
        id: o.id,
        at: new Date(o.at).toISOString(),
        tenantId: principal.tenantId,
        staffId: principal.id,
        taskId: o.taskId,
        view: o.view,
        device: parsed.data.device,
        mode: o.replayed ? ('replayed' as const) : ('online' as const),
      })),
    );
    sendJson(res, 200, result);
  });

  router.get('/api/audit/access', async (req, res) => {
    const principal = await guard(req, res, 'audit.read');
    if (!principal) return;
    const params = new URL(req.url ?? '/', 'http://relay.invalid').searchParams;
    const query = searchOf(params);
    if (typeof query === 'string') return sendError(res, 'invalid', query);
    const found = await access.search({ tenantId: principal.tenantId, ...query });
    if (params.get('format') !== 'csv') return sendJson(res, 200, found);
    const text = toCsv(found.records);
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="wardline-access-${clock.now().toISOString().slice(0, 10)}.csv"`,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  });
}

/** The search from the query string, or the sentence saying what is wrong with it. */
function searchOf(params: URLSearchParams) {
  const optional = (name: string, max = 200): string | undefined => {
    const v = params.get(name)?.trim();
    return v ? v.slice(0, max) : undefined;
  };
  const instant = (name: string): string | undefined | false => {
    const v = optional(name, 40);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    return Number.isNaN(t) ? false : new Date(t).toISOString();
  };
  const from = instant('from');
  const to = instant('to');
  if (from === false || to === false) return 'from and to must be dates or times, such as 2026-11-26T08:00Z.';
  const limit = params.has('limit') ? Number(params.get('limit')) : DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT)
    return `limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}.`;
  const staffId = optional('staff');
  const patientRef = optional('patient');
  const taskId = optional('task');
  return {
    limit,
    ...(staffId ? { staffId } : {}),
    ...(patientRef ? { patientRef } : {}),
    ...(taskId ? { taskId } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

const CSV_COLUMNS = [
  'at',
  'recordedAt',
  'staffId',
  'taskId',
  'patientRef',
  'unit',
  'view',
  'device',
  'mode',
] as const;

/** Every cell through `csvCell`: ids come from upstream systems and could start with `=`. */
function toCsv(records: readonly AccessRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of records) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
