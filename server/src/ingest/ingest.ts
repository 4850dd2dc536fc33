import { parseInboundEvent } from '../../../src/domain';
import type { Logger } from '../log';
import type { OperationalMetrics } from '../metrics';
import type { IngestResult, WorklistStore } from '../store/contract';

/** Per HTTP request: large enough for a Logic App's batch, small enough that one request is bounded. */
export const MAX_EVENTS_PER_REQUEST = 500;

export interface BatchOutcome {
  /** 202 every event accepted (applied, duplicate, stale); 400 every one rejected; 207 a mix. */
  httpStatus: 202 | 207 | 400;
  results: IngestResult[];
}

/**
 * Validates and applies inbound events one by one, each in its own transaction: one bad event is
 * answered with its reason and never stops the others. Shared by HTTP ingest and (later) Service Bus.
 */
export async function ingestOne(
  store: WorklistStore,
  input: unknown,
  logger: Logger,
  metrics?: Pick<OperationalMetrics, 'eventApplied'>,
): Promise<IngestResult> {
  const parsed = parseInboundEvent(input);
  if (!parsed.ok) {
    logger.warn({ eventId: parsed.id, reason: parsed.reason }, 'inbound event rejected');
    return { id: parsed.id ?? '', status: 'rejected', reason: parsed.reason };
  }
  const result = await store.applyEvent(parsed.event);
  if (result.status === 'applied') metrics?.eventApplied(parsed.event.time);
  if (result.status === 'rejected') {
    logger.warn(
      { eventId: result.id, taskId: parsed.event.data.taskId, reason: result.reason },
      'inbound event rejected',
    );
  } else {
    logger.debug(
      { eventId: result.id, taskId: parsed.event.data.taskId, status: result.status },
      'inbound event',
    );
  }
  return result;
}

export async function ingestBatch(
  store: WorklistStore,
  body: unknown,
  logger: Logger,
  metrics?: Pick<OperationalMetrics, 'eventApplied'>,
): Promise<BatchOutcome> {
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0) {
    return {
      httpStatus: 400,
      results: [
        { id: '', status: 'rejected', reason: 'The batch is empty: send one event or an array of events.' },
      ],
    };
  }
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return {
      httpStatus: 400,
      results: [
        {
          id: '',
          status: 'rejected',
          reason: `A batch holds at most ${MAX_EVENTS_PER_REQUEST} events; this one has ${events.length}. Nothing was stored.`,
        },
      ],
    };
  }
  // One after another: each commits before the next starts, so a batch lands in its own order.
  const results: IngestResult[] = [];
  for (const event of events) results.push(await ingestOne(store, event, logger, metrics));
  const rejected = results.filter((r) => r.status === 'rejected').length;
  const httpStatus = rejected === 0 ? 202 : rejected === results.length ? 400 : 207;
  return { httpStatus, results };
}
