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
import { errorSummary as summary, handleInboundMessage, sleep } from './servicebus-handling';
import { inboundName, type InboundEntity } from './servicebus-config';
import { SettlementSequencer } from './servicebus-settlement';
import { startSessionReceivers } from './servicebus-sessions';

export interface ServiceBusInboundOptions {
  client: ServiceBusClient;
  entity: InboundEntity;
  store: WorklistStore;
  logger: Logger;
  maxConcurrentCalls: number;
  maxLockRenewalMs: number;
  storeRetryDelayMs: number;
  routingRetryDelayMs: number;
  routingAttempts: number;
  /** Session-enabled entity (session id = task id): this many sessions at once, else a plain receiver. */
  sessions: { maxConcurrentSessions: number } | null;
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
  const handling = {
    store,
    logger,
    storeRetryDelayMs: options.storeRetryDelayMs,
    routingRetryDelayMs: options.routingRetryDelayMs,
    routingAttempts: options.routingAttempts,
    stopping: stopping.signal,
    ...(metrics ? { metrics } : {}),
  };

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
    const work = handleInboundMessage(handling, receiver, message, settlements);
    inHand.add(work);
    try {
      await work;
    } finally {
      inHand.delete(work);
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

  // With sessions, each session receiver takes one task's messages in order [SB9]; the plain receiver
  // above only probes (a peek needs no session).
  const subscription = options.sessions
    ? startSessionReceivers({
        client,
        entity,
        handling,
        logger,
        maxConcurrentSessions: options.sessions.maxConcurrentSessions,
        maxLockRenewalMs: options.maxLockRenewalMs,
        onMessage: () => {
          markConnected();
          metrics?.messageIn('servicebus');
        },
        onReceiveError: markDisconnected,
      })
    : receiver.subscribe(
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
