import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import type { Logger } from '../log';
import type { OperationalMetrics } from '../metrics';
import type { WorklistStore } from '../store/contract';
import { ingestOne } from './ingest';
import {
  DEAD_LETTER_REASONS,
  judgeInboundMessage,
  routingRetryDelayMs,
  routingWaitMs,
  storeRetryDelayMs,
  taskNotRoutedDescription,
  type InboundVerdict,
} from './servicebus-message';
import type { SettlementSequencer } from './servicebus-settlement';

export interface InboundHandlingOptions {
  store: WorklistStore;
  logger: Logger;
  storeRetryDelayMs: number;
  /** The first wait before an update whose task is not known yet is given back; it doubles per delivery. */
  routingRetryDelayMs: number;
  /** Deliveries an update may wait for its routing event; the last one dead-letters it (`TaskNotRouted`). */
  routingAttempts: number;
  /** Aborted on shutdown: waits end at once and the message is given back. */
  stopping: AbortSignal;
  metrics?: Pick<OperationalMetrics, 'messageIn' | 'eventApplied' | 'deadLettered'>;
}

/**
 * Judges one received message against the store and settles it on the receiver it came from: complete
 * after commit [SB1], dead-letter with a reason [SB2], wait out a store failure [SB4], or wait for an
 * update's routing event [SB10]. Shared by the plain receiver and the session receivers.
 */
export async function handleInboundMessage(
  options: InboundHandlingOptions,
  receiver: ServiceBusReceiver,
  message: ServiceBusReceivedMessage,
  settlements: SettlementSequencer,
): Promise<void> {
  const { store, logger, metrics } = options;
  const verdict = await judgeInboundMessage(
    message,
    (event) => ingestOne(store, event, logger, metrics),
    async (taskId) => (await store.getTask(taskId)) !== null,
  );
  await settle(options, receiver, message, verdict, settlements);
}

async function settle(
  options: InboundHandlingOptions,
  receiver: ServiceBusReceiver,
  message: ServiceBusReceivedMessage,
  verdict: InboundVerdict,
  settlements: SettlementSequencer,
): Promise<void> {
  const { logger, metrics } = options;
  const ids = { messageId: String(message.messageId ?? ''), deliveryCount: message.deliveryCount ?? 0 };
  const deadLetter = async (reason: string, description: string, eventId: string | null) => {
    logger.warn({ ...ids, eventId, deadLetterReason: reason }, 'message dead-lettered');
    await settlements.alone(() =>
      receiver.deadLetterMessage(message, {
        deadLetterReason: reason,
        deadLetterErrorDescription: description,
      }),
    );
    metrics?.deadLettered(reason);
  };
  try {
    switch (verdict.action) {
      case 'complete':
        await settlements.complete(() => receiver.completeMessage(message));
        return;
      case 'dead-letter':
        await deadLetter(verdict.reason, verdict.description, verdict.eventId);
        return;
      case 'retry': {
        const waitMs = storeRetryDelayMs(ids.deliveryCount, options.storeRetryDelayMs);
        logger.error(
          { ...ids, eventId: verdict.eventId, failure: verdict.failure, retryInMs: waitMs },
          'store could not apply the message; it will be abandoned for redelivery',
        );
        await sleep(waitMs, options.stopping);
        // The last failure travels with the message, so the dead-letter queue shows why it ended there.
        await settlements.alone(() =>
          receiver.abandonMessage(message, { WardlineLastFailure: verdict.failure }),
        );
        return;
      }
      case 'await-routing': {
        const attempt = ids.deliveryCount + 1;
        if (attempt >= options.routingAttempts) {
          const waited = routingWaitMs(attempt, options.routingRetryDelayMs);
          const description = taskNotRoutedDescription(verdict.reason, attempt, waited);
          await deadLetter(DEAD_LETTER_REASONS.taskNotRouted, description, verdict.eventId);
          return;
        }
        const waitMs = routingRetryDelayMs(ids.deliveryCount, options.routingRetryDelayMs);
        logger.info(
          { ...ids, eventId: verdict.eventId, taskId: verdict.taskId, retryInMs: waitMs },
          'update arrived before its task was routed; it will be given back to wait for the routing event',
        );
        // Held (its lock renewed) for the wait, then abandoned: Service Bus counts the attempt and any
        // relay may take it next, by which time the routing event has usually committed.
        await sleep(waitMs, options.stopping);
        await settlements.alone(() =>
          receiver.abandonMessage(message, { WardlineLastFailure: verdict.reason }),
        );
        return;
      }
    }
  } catch (error) {
    // The lock was lost or the link dropped: Service Bus redelivers, and the inbox makes that harmless.
    logger.warn(
      { ...ids, action: verdict.action, err: errorSummary(error) },
      'settlement failed; the message will return',
    );
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
export function errorSummary(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: error.message };
  }
  return { name: 'NonError', message: typeof error };
}
