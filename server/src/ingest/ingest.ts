import { parseInboundEvent, type InboundEvent } from '../../../src/domain';
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

type Metrics = Pick<OperationalMetrics, 'eventApplied'>;

/**
 * Validates and applies one inbound event (Service Bus): a bad event is answered with its reason. Its
 * commit may be shared with concurrent events (docs/STORE.md ST17); it resolves after that commit.
 */
export async function ingestOne(
  store: WorklistStore,
  input: unknown,
  logger: Logger,
  metrics?: Metrics,
): Promise<IngestResult> {
  const parsed = parseInboundEvent(input);
  if (!parsed.ok) return refused(parsed.id, parsed.reason, logger);
  const result = await store.applyEvent(parsed.event);
  reported(parsed.event, result, logger, metrics);
  return result;
}

function refused(id: string | null | undefined, reason: string, logger: Logger): IngestResult {
  logger.warn({ eventId: id, reason }, 'inbound event rejected');
  return { id: id ?? '', status: 'rejected', reason };
}

function reported(event: InboundEvent, result: IngestResult, logger: Logger, metrics?: Metrics): void {
  if (result.status === 'applied') metrics?.eventApplied(event.time);
  if (result.status === 'rejected') {
    logger.warn(
      { eventId: result.id, taskId: event.data.taskId, reason: result.reason },
      'inbound event rejected',
    );
  } else {
    logger.debug({ eventId: result.id, taskId: event.data.taskId, status: result.status }, 'inbound event');
  }
}

export async function ingestBatch(
  store: WorklistStore,
  body: unknown,
  logger: Logger,
  metrics?: Metrics,
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
  // Every valid event in ONE transaction, in the batch's order (docs/STORE.md ST15): one commit per
  // request instead of one per event. An invalid one is answered with its reason and stops nothing.
  const parsed = events.map((input) => parseInboundEvent(input));
  const valid = parsed.flatMap((p) => (p.ok ? [p.event] : []));
  const applied = await store.applyEvents(valid);
  let next = 0;
  const results = parsed.map((p) => {
    if (!p.ok) return refused(p.id, p.reason, logger);
    const event = valid[next]!;
    const result = applied[next++]!;
    reported(event, result, logger, metrics);
    return result;
  });
  const rejected = results.filter((r) => r.status === 'rejected').length;
  const httpStatus = rejected === 0 ? 202 : rejected === results.length ? 400 : 207;
  return { httpStatus, results };
}
