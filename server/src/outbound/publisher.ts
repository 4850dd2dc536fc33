import type { ServiceBusMessageBatch, ServiceBusSender } from '@azure/service-bus';
import type { Logger } from '../log';
import type { OperationalMetrics } from '../metrics';
import type { OutboxRow, WorklistStore } from '../store/contract';
import { outboundMessage, UnreadableOutboxRow } from './message';
import type { OutboxLease } from './outbox-lease';

/** The two calls the publisher makes: the SDK's sender, or a test's stand-in at the network edge. */
export type OutboxSender = Pick<ServiceBusSender, 'createMessageBatch' | 'sendMessages'>;

export interface OutboxPublisherOptions {
  store: WorklistStore;
  sender: OutboxSender;
  logger: Logger;
  /** Rows read per round; one Service Bus batch holds as many of them as fit. */
  batchSize?: number;
  metrics?: Pick<OperationalMetrics, 'messageOut'>;
  /** Several relays on one PostgreSQL: publish only while holding the lease (docs/STORE.md CL8). */
  lease?: Pick<OutboxLease, 'held' | 'whenHeld'>;
}

export interface OutboxPublisher {
  /** Rows published since start, and the last failure (null once a send succeeds again). */
  state(): { published: number; lastError: string | null };
  /** Look at the outbox now (a commit may have written to it). */
  wake(): void;
  close(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 100;
/**
 * Staff actions wake the publisher at once through the store's commit listener; the poll is the net for
 * rows written any other way (escalation timers, a row left by a crash before the first commit).
 */
const IDLE_POLL_MS = 1_000;
/** After a failed send: 0.5 s, 1 s, 2 s … at most 30 s, so a namespace outage is not hammered. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** Shutdown waits this long for a send in flight; unmarked rows are sent again at the next start. */
const CLOSE_GRACE_MS = 5_000;
/** Origin event ids are looked up once per task; this bounds the cache on a long-running relay. */
const CORRELATION_CACHE_SIZE = 10_000;

/**
 * Drains the store's outbox to the outbound topic: at least once, in outbox order (so in order per
 * task), one round at a time. A row is marked published only after Service Bus accepted the batch
 * holding it; a crash in between sends it again with the same messageId.
 */
export function startOutboxPublisher(options: OutboxPublisherOptions): OutboxPublisher {
  const { store, sender, logger } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let closed = false;
  let published = 0;
  let lastError: string | null = null;
  let failures = 0;
  let wakeUp: (() => void) | null = null;
  let closeNow: () => void = () => undefined;
  const closing = new Promise<void>((resolve) => (closeNow = resolve));
  let woken = false;
  const correlation = new Map<string, string | null>();

  function wake(): void {
    woken = true;
    wakeUp?.();
  }

  /** Waits `ms`; a wake (a commit) ends an idle wait early, only closing ends a back-off early. */
  function pause(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (closed || (wakeable && woken)) return resolve();
      const timer = setTimeout(done, ms);
      timer.unref();
      wakeUp = () => {
        if (closed || wakeable) done();
      };
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
    });
  }

  /** The id of the inbound event that created the task: the first change that came from an event. */
  async function correlationIdOf(taskId: string): Promise<string | null> {
    if (correlation.has(taskId)) return correlation.get(taskId) ?? null;
    const origin = (await store.auditTrail(taskId)).find((entry) => entry.eventId !== null)?.eventId ?? null;
    if (correlation.size >= CORRELATION_CACHE_SIZE) correlation.clear();
    correlation.set(taskId, origin);
    return origin;
  }

  /** Sends the longest prefix of `rows` that fits one batch; returns the ids Service Bus accepted. */
  async function publish(rows: OutboxRow[]): Promise<number[]> {
    const batch: ServiceBusMessageBatch = await sender.createMessageBatch();
    const ids: number[] = [];
    for (const row of rows) {
      if (!batch.tryAddMessage(outboundMessage(row, await correlationIdOf(row.taskId)))) {
        if (ids.length === 0)
          throw new Error(`outbox row ${row.id} is larger than one Service Bus message may be`);
        break;
      }
      ids.push(row.id);
    }
    await sender.sendMessages(batch);
    return ids;
  }

  async function run(): Promise<void> {
    while (!closed) {
      woken = false;
      if (options.lease && !options.lease.held()) {
        await Promise.race([options.lease.whenHeld(), closing]);
        continue;
      }
      try {
        const rows = await store.pendingOutbox(batchSize);
        if (rows.length === 0) {
          await pause(IDLE_POLL_MS, true);
          continue;
        }
        const ids = await publish(rows);
        await store.markPublished(ids);
        options.metrics?.messageOut('servicebus', ids.length);
        published += ids.length;
        if (lastError) logger.info({ pendingAfter: rows.length - ids.length }, 'outbox publishing again');
        lastError = null;
        failures = 0;
      } catch (error) {
        failures++;
        lastError = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown failure';
        const retryInMs = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
        const log =
          error instanceof UnreadableOutboxRow ? logger.error.bind(logger) : logger.warn.bind(logger);
        log({ err: { name: (error as Error).name, message: lastError }, retryInMs }, 'outbox publish failed');
        await pause(retryInMs, false);
      }
    }
  }

  const running = run();
  const unsubscribe = store.onCommitted(() => wake());

  return {
    state: () => ({ published, lastError }),
    wake,
    async close() {
      if (closed) return;
      closed = true;
      closeNow();
      unsubscribe();
      wake();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([running, grace]);
    },
  };
}
