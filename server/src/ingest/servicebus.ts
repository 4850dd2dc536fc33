import type {
  ProcessErrorArgs,
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from '@azure/service-bus';
import type { InboundSourceState } from '../http/health';
import type { Logger } from '../log';
import type { OperationalMetrics } from '../metrics';
import type { WorklistStore } from '../store/contract';
import { ingestOne } from './ingest';
import { inboundName, type InboundEntity } from './servicebus-config';
import { judgeInboundMessage, storeRetryDelayMs, type InboundVerdict } from './servicebus-message';
import { SettlementSequencer } from './servicebus-settlement';

export interface ServiceBusInboundOptions {
  client: ServiceBusClient;
  entity: InboundEntity;
  store: WorklistStore;
  logger: Logger;
  maxConcurrentCalls: number;
  maxLockRenewalMs: number;
  storeRetryDelayMs: number;
  metrics?: Pick<OperationalMetrics, 'messageIn' | 'eventApplied' | 'deadLettered'>;
}

export interface ServiceBusInbound {
  /** For `/readyz`: the entity, and whether the namespace answered recently with no receive error since. */
  state(): InboundSourceState;
  /** Stops taking messages, lets the ones in hand finish (or gives them back), closes the receiver. */
  close(): Promise<void>;
}

/** While connected, confirm it this often; the SDK reports a drop through `processError` at once. */
const PROBE_INTERVAL_MS = 15_000;
/** While not connected, look again this soon, so `/readyz` turns green within a second or two of recovery. */
const PROBE_RETRY_MS = 1_000;
/**
 * Shutdown waits this long for messages in hand to settle. A healthy settlement takes milliseconds; one
 * still pending after this is stuck on a link that dropped, and its message returns when the lock expires.
 */
const CLOSE_GRACE_MS = 3_000;

/**
 * The inbound half of Service Bus: peek-lock receiving from a queue or a topic subscription, settled by
 * hand. A message is completed only after the store transaction that applied it has committed (or found
 * it a duplicate or stale); an invalid one is dead-lettered with the reason HTTP ingest would answer; a
 * store failure keeps the message a while, then abandons it so Service Bus redelivers it, and the
 * entity's max delivery count dead-letters it if the store never recovers. The SDK renews locks of slow
 * messages and re-attaches after a drop on its own; this module watches that for readiness.
 */
export function startServiceBusInbound(options: ServiceBusInboundOptions): ServiceBusInbound {
  const { client, entity, store, logger, metrics } = options;
  const name = inboundName(entity);
  const receiverOptions = {
    receiveMode: 'peekLock' as const,
    maxAutoLockRenewalDurationInMs: options.maxLockRenewalMs,
    // The body is parsed here, so a malformed one gets a reason instead of arriving as raw bytes.
    skipParsingBodyAsJson: true,
  };
  const receiver: ServiceBusReceiver =
    entity.kind === 'queue'
      ? client.createReceiver(entity.queue, receiverOptions)
      : client.createReceiver(entity.topic, entity.subscription, receiverOptions);

  let connected = false;
  let closing = false;
  let probeTimer: NodeJS.Timeout | undefined;
  let probing = false;
  const stopping = new AbortController();
  const inHand = new Set<Promise<void>>();
  const settlements = new SettlementSequencer();

  function markConnected(): void {
    if (!connected) logger.info({ inbound: name }, 'service bus receiver connected');
    connected = true;
  }

  function markDisconnected(): void {
    if (connected)
      logger.warn({ inbound: name }, 'service bus receiver disconnected; the SDK is reconnecting');
    connected = false;
    scheduleProbe(PROBE_RETRY_MS);
  }

  /**
   * A peek proves the connection, the credential and the entity. It walks forward through the entity
   * one message per probe and changes nothing; the message is not kept or logged.
   */
  async function probe(): Promise<void> {
    if (probing) return; // the SDK is still retrying the last one
    probing = true;
    try {
      await receiver.peekMessages(1);
      markConnected();
      scheduleProbe(PROBE_INTERVAL_MS);
    } catch (error) {
      if (closing) return;
      // At warn once per outage; while it lasts, at debug.
      const fields = { inbound: name, err: summary(error) };
      if (connected) logger.warn(fields, 'service bus probe failed');
      else logger.debug(fields, 'service bus probe failed');
      markDisconnected();
    } finally {
      probing = false;
    }
  }

  function scheduleProbe(ms: number): void {
    if (closing) return;
    clearTimeout(probeTimer);
    probeTimer = setTimeout(() => void probe(), ms);
    probeTimer.unref();
  }

  async function processMessage(message: ServiceBusReceivedMessage): Promise<void> {
    markConnected();
    metrics?.messageIn('servicebus');
    // Handed to the store at once on arrival (the store keeps one task's writes in call order), and
    // settled only after the transaction that applied it has committed.
    const work = judgeInboundMessage(message, (event) => ingestOne(store, event, logger, metrics)).then(
      (verdict) => settle(message, verdict),
    );
    inHand.add(work);
    try {
      await work;
    } finally {
      inHand.delete(work);
    }
  }

  async function settle(message: ServiceBusReceivedMessage, verdict: InboundVerdict): Promise<void> {
    const ids = { messageId: String(message.messageId ?? ''), deliveryCount: message.deliveryCount ?? 0 };
    try {
      switch (verdict.action) {
        case 'complete':
          await settlements.complete(() => receiver.completeMessage(message));
          return;
        case 'dead-letter':
          logger.warn(
            { ...ids, eventId: verdict.eventId, deadLetterReason: verdict.reason },
            'message dead-lettered',
          );
          await settlements.alone(() =>
            receiver.deadLetterMessage(message, {
              deadLetterReason: verdict.reason,
              deadLetterErrorDescription: verdict.description,
            }),
          );
          metrics?.deadLettered(verdict.reason);
          return;
        case 'retry': {
          const waitMs = storeRetryDelayMs(ids.deliveryCount, options.storeRetryDelayMs);
          logger.error(
            { ...ids, eventId: verdict.eventId, failure: verdict.failure, retryInMs: waitMs },
            'store could not apply the message; it will be abandoned for redelivery',
          );
          await sleep(waitMs, stopping.signal);
          // The last failure travels with the message, so the dead-letter queue shows why it ended there.
          await settlements.alone(() =>
            receiver.abandonMessage(message, { WardlineLastFailure: verdict.failure }),
          );
          return;
        }
      }
    } catch (error) {
      // The lock was lost or the link dropped: Service Bus redelivers, and the inbox makes that harmless.
      logger.warn(
        { ...ids, action: verdict.action, err: summary(error) },
        'settlement failed; the message will return',
      );
    }
  }

  async function processError(args: ProcessErrorArgs): Promise<void> {
    if (closing) return;
    logger.warn(
      { inbound: name, errorSource: args.errorSource, err: summary(args.error) },
      'service bus receive error',
    );
    if (args.errorSource === 'receive') markDisconnected();
  }

  const subscription = receiver.subscribe(
    { processMessage, processError },
    { autoCompleteMessages: false, maxConcurrentCalls: options.maxConcurrentCalls },
  );
  void probe();

  return {
    state: () => ({ name, connected }),
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(probeTimer);
      stopping.abort();
      await subscription.close().catch(() => undefined);
      await Promise.race([Promise.allSettled([...inHand]), sleep(CLOSE_GRACE_MS)]);
      await receiver.close().catch(() => undefined);
      connected = false;
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Errors are logged by code, name and message: never a message body. */
function summary(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: error.message };
  }
  return { name: 'NonError', message: typeof error };
}
