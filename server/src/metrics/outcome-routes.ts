import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasRole, type Principal } from '../../../src/domain';
import type { RequestGuard } from '../auth';
import { sendJson } from '../http/json';
import { sendError } from '../http/errors';
import type { Router } from '../http/router';
import type { StoreEngine } from '../store/engine';
import { csvFileName, reportToCsv } from './csv';
import { OutcomeQueries } from './outcome-queries';
import { ALL, DIMENSIONS, isMetricName, METRIC_NAMES, metricDefinition, type Dimension } from './definitions';
import { outcomeReport, outcomeTrend, tasksBehind, TASKS_PATH, type MetricScope } from './outcomes';
import { OutcomeProjection } from './projection';
import { parseWindow } from './window';
import type { AccessLog } from '../audit/access-log';
import { recordRelayAccess } from '../audit/routes';

export interface OutcomeRouteDeps {
  db: StoreEngine;
  guard: RequestGuard;
  /** The relay's clock (tests inject a FakeClock); the system clock otherwise. */
  clock?: { now(): Date };
  /** Where each listed task is recorded as seen (docs/SECURITY.md A1). */
  access?: AccessLog;
}

/** Tasks listed behind a number by default, and at most: a screenful, and a long scroll. */
const DEFAULT_LIST_LIMIT = 200;
const MAX_LIST_LIMIT = 2_000;

/**
 * The outcome metrics over HTTP, for coordinators, charge nurses and supervisors, each limited to their
 * own units (the staff directory's, re-read per request):
 * - `GET /api/metrics/outcomes?window=24h` — every figure as JSON (`window=12h|shift|24h|7d`, or
 *   `from`/`to`; `unit` narrows to one of the caller's units);
 * - `GET /api/metrics/outcomes.csv?window=24h` — the same figures as a CSV download;
 * - `GET /api/metrics/trend?metric=time-to-acknowledge&window=24h` — one window metric's roll-up per
 *   hour (wider buckets for long windows), for the dashboard's trend chart;
 * - `GET /api/metrics/tasks?metric=…&unit=…` — the tasks behind one figure (the `tasks` link of each
 *   figure), only those the caller may see.
 * Returns the projection, so the composition root can fold the log in the background at start.
 */
export function registerOutcomeRoutes(
  router: Router,
  { db, guard, clock = { now: () => new Date() }, access }: OutcomeRouteDeps,
): { projection: OutcomeProjection } {
  const projection = new OutcomeProjection(db);
  const queries = new OutcomeQueries(db);

  async function scopeFor(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ principal: Principal; params: URLSearchParams; scope: MetricScope } | undefined> {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return undefined;
    if (!hasRole(principal, 'Coordinator', 'ChargeNurse', 'Supervisor')) {
      sendError(
        res,
        'forbidden',
        'The outcome metrics are for coordinators, charge nurses and house supervisors.',
      );
      return undefined;
    }
    const params = new URL(req.url ?? '/', 'http://relay.invalid').searchParams;
    const now = clock.now();
    const window = parseWindow(params, now);
    if (!window.ok) {
      sendError(res, 'invalid', window.message);
      return undefined;
    }
    const unit = params.get('unit');
    if (unit !== null && unit !== ALL && !principal.units.includes(unit)) {
      sendError(res, 'forbidden', `${unit} is not one of your units.`);
      return undefined;
    }
    await projection.catchUp();
    return { principal, params, scope: { units: principal.units, window: window.window, now } };
  }

  /** `unit` narrows the report to one of the caller's units. */
  function reportFor(params: URLSearchParams, scope: MetricScope) {
    const unit = params.get('unit');
    return outcomeReport(queries, unit && unit !== ALL ? { ...scope, units: [unit] } : scope);
  }

  router.get('/api/metrics/outcomes', async (req, res) => {
    const asked = await scopeFor(req, res);
    if (!asked) return;
    sendJson(res, 200, await reportFor(asked.params, asked.scope));
  });

  router.get('/api/metrics/outcomes.csv', async (req, res) => {
    const asked = await scopeFor(req, res);
    if (!asked) return;
    const report = await reportFor(asked.params, asked.scope);
    const body = reportToCsv(report);
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${csvFileName(report)}"`,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  });

  router.get('/api/metrics/trend', async (req, res) => {
    const asked = await scopeFor(req, res);
    if (!asked) return;
    const metric = asked.params.get('metric') ?? '';
    const trendable = METRIC_NAMES.filter((name) => metricDefinition(name).timeframe === 'window');
    if (!isMetricName(metric) || !trendable.includes(metric)) {
      return sendError(res, 'invalid', `metric must be one of ${trendable.join(', ')}.`);
    }
    const unit = asked.params.get('unit');
    const scope = unit && unit !== ALL ? { ...asked.scope, units: [unit] } : asked.scope;
    sendJson(res, 200, await outcomeTrend(queries, metric, scope));
  });

  router.get(TASKS_PATH, async (req, res) => {
    const asked = await scopeFor(req, res);
    if (!asked) return;
    const { params, scope, principal } = asked;
    const metric = params.get('metric') ?? '';
    if (!isMetricName(metric)) {
      return sendError(res, 'invalid', `metric must be one of ${METRIC_NAMES.join(', ')}.`);
    }
    const dimensions: readonly Dimension[] = metricDefinition(metric).dimensions;
    const filter: Partial<Record<Dimension, string>> = {};
    for (const d of DIMENSIONS) {
      const value = params.get(d);
      if (value === null || value === ALL) continue;
      if (!dimensions.includes(d)) {
        return sendError(
          res,
          'invalid',
          `${metric} is broken down by ${dimensions.join(', ')}, not by ${d}.`,
        );
      }
      filter[d] = value;
    }
    const limit = params.has('limit') ? Number(params.get('limit')) : DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      return sendError(res, 'invalid', `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
    }
    const listed = await tasksBehind(queries, metric, scope, filter, principal, limit);
    if (access)
      await recordRelayAccess(
        access,
        principal,
        req,
        listed.tasks.map((t) => t.id),
        'metrics-list',
        clock.now(),
      );
    sendJson(res, 200, listed);
  });

  return { projection };
}
