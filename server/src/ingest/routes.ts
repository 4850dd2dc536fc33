import type { Router } from '../http/router';
import { readJsonBody, sendJson } from '../http/json';
import { statusOf } from '../http/errors';
import type { Logger } from '../log';
import type { WorklistStore } from '../store/contract';
import type { RequestGuard } from '../auth';
import type { OperationalMetrics } from '../metrics';
import { ingestBatch } from './ingest';

/** The contract's limit on one request body: a batch of ordinary events fits many times over. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface IngestRouteDeps {
  store: WorklistStore;
  logger: Logger;
  guard: RequestGuard;
  metrics?: Pick<OperationalMetrics, 'messageIn' | 'eventApplied'>;
}

/**
 * `POST /api/events`: one CloudEvent or an array. The answer's body is always
 * `{ results: [{ id, status, reason? }] }`, including for a body that could not be read at all.
 */
export function registerIngestRoutes(
  router: Router,
  { store, logger, guard, metrics }: IngestRouteDeps,
): void {
  router.post('/api/events', async (req, res) => {
    const caller = await guard(req, res, 'events.ingest');
    if (!caller) return;
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    if (!body.ok) {
      const status = statusOf(body.code);
      logger.warn({ status, reason: body.reason, caller: caller.id }, 'ingest body refused');
      sendJson(res, status, { results: [{ id: '', status: 'rejected', reason: body.reason }] });
      return;
    }
    metrics?.messageIn('http', Array.isArray(body.value) ? body.value.length : 1);
    const outcome = await ingestBatch(store, body.value, logger, metrics);
    sendJson(res, outcome.httpStatus, { results: outcome.results });
  });
}
