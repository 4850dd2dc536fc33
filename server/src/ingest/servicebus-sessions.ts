import type { ServiceBusClient, ServiceBusSessionReceiver } from '@azure/service-bus';
import type { Logger } from '../log';
import type { InboundEntity } from './servicebus-config';
import {
  errorSummary,
  handleInboundMessage,
  sleep,
  type InboundHandlingOptions,
} from './servicebus-handling';
import { SettlementSequencer } from './servicebus-settlement';

export interface SessionReceiversOptions {
  client: ServiceBusClient;
  entity: InboundEntity;
  handling: InboundHandlingOptions;
  logger: Logger;
  maxConcurrentSessions: number;
  maxLockRenewalMs: number;
  /** Each message received (readiness and metrics). */
  onMessage(): void;
  /** The namespace failed to answer an accept: readiness goes red until the probe succeeds. */
  onReceiveError(): void;
}

/** How many messages of one session are asked for at once; they are still applied one by one. */
const SESSION_BATCH = 32;
/**
 * A session that stays empty this long is given back so another may be taken. Short, because a relay
 * holds only a few sessions at once and every held idle session is a task whose next event would wait.
 */
const SESSION_IDLE_MS = 1_000;
/** Shutdown waits this long for the messages in hand (as the plain receiver does). */
const CLOSE_GRACE_MS = 3_000;
/** After an accept failed for a reason other than "nothing to take", wait before asking again. */
const ACCEPT_RETRY_MS = 1_000;

/**
 * Session mode [SB9]: the inbound entity is session-enabled and the middleware sets session id = task
 * id, so Service Bus hands all of one task's messages to one receiver at a time, in order. Each of
 * `maxConcurrentSessions` loops accepts the next available session, applies its messages one after
 * another (each settled before the next is applied: per-task order holds by construction, across any
 * number of relays), and gives the session back once it has been idle for a moment.
 */
export function startSessionReceivers(options: SessionReceiversOptions): { close(): Promise<void> } {
  const { client, entity, logger } = options;
  const stopping = options.handling.stopping;
  const open = new Set<ServiceBusSessionReceiver>();
  /** Sessions being worked on: shutdown waits for their messages in hand. */
  const draining = new Set<Promise<void>>();
  const acceptOptions = {
    receiveMode: 'peekLock' as const,
    maxAutoLockRenewalDurationInMs: options.maxLockRenewalMs,
    skipParsingBodyAsJson: true,
    abortSignal: stopping,
  };

  async function acceptNext(): Promise<ServiceBusSessionReceiver> {
    return entity.kind === 'queue'
      ? client.acceptNextSession(entity.queue, acceptOptions)
      : client.acceptNextSession(entity.topic, entity.subscription, acceptOptions);
  }

  async function drain(receiver: ServiceBusSessionReceiver): Promise<void> {
    // One session's settlements are sequential already; the sequencer keeps [SB6] true regardless.
    const settlements = new SettlementSequencer();
    while (!stopping.aborted) {
      const messages = await receiver.receiveMessages(SESSION_BATCH, { maxWaitTimeInMs: SESSION_IDLE_MS });
      if (messages.length === 0) return;
      for (const message of messages) {
        if (stopping.aborted) return; // the rest return to the session when it is closed
        options.onMessage();
        await handleInboundMessage(options.handling, receiver, message, settlements);
      }
    }
  }

  async function work(worker: number, receiver: ServiceBusSessionReceiver): Promise<void> {
    open.add(receiver);
    try {
      logger.debug({ worker, sessionId: receiver.sessionId }, 'service bus session accepted');
      await drain(receiver);
    } catch (error) {
      // The session lock was lost or the link dropped: its unsettled messages return to the session.
      if (!stopping.aborted) logger.warn({ worker, err: errorSummary(error) }, 'service bus session ended');
    } finally {
      open.delete(receiver);
      await receiver.close().catch(() => undefined);
    }
  }

  async function loop(worker: number): Promise<void> {
    while (!stopping.aborted) {
      let receiver: ServiceBusSessionReceiver;
      try {
        receiver = await acceptNext();
      } catch (error) {
        if (stopping.aborted) return;
        const code = (error as { code?: unknown }).code;
        // "No session came free in time" is the namespace answering: ask again at once.
        if (code === 'ServiceTimeout' || code === 'SessionCannotBeLocked') continue;
        logger.warn({ worker, err: errorSummary(error) }, 'service bus could not accept a session');
        options.onReceiveError();
        await sleep(ACCEPT_RETRY_MS, stopping);
        continue;
      }
      const working = work(worker, receiver);
      draining.add(working);
      await working;
      draining.delete(working);
    }
  }

  for (let i = 0; i < options.maxConcurrentSessions; i++) void loop(i);
  return {
    async close() {
      // `stopping` is aborted by the caller first, so waits end and the messages in hand settle. An
      // accept still waiting for a session ignores the abort (SDK 7.9): it ends when the client closes.
      await Promise.race([Promise.allSettled([...draining]), sleep(CLOSE_GRACE_MS)]);
    },
  };
}
