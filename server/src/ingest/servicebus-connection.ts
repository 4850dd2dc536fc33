import type { InboundSourceState } from '../http/health';
import type { Logger } from '../log';
import type { OperationalMetrics } from '../metrics';
import { startOutboxPublisher, type OutboxPublisher } from '../outbound/publisher';
import type { OutboxLease } from '../outbound/outbox-lease';
import type { WorklistStore } from '../store/contract';
import { startServiceBusInbound, type ServiceBusInbound } from './servicebus';
import { createServiceBusClient } from './servicebus-client';
import { describeServiceBus, inboundName, type ServiceBusConfig } from './servicebus-config';

/** The relay's Service Bus: one client (one AMQP connection), the inbound receiver, the outbox publisher. */
export interface ServiceBusConnection {
  inbound: ServiceBusInbound;
  publisher: OutboxPublisher;
  /** Receiver first (messages in hand settle against a still-open store), then publisher, then client. */
  close(): Promise<void>;
}

export function startServiceBusConnection(
  config: ServiceBusConfig,
  {
    store,
    logger,
    metrics,
    outboxLease,
  }: {
    store: WorklistStore;
    logger: Logger;
    metrics?: OperationalMetrics;
    /** Several relays on one PostgreSQL: one publishes at a time (docs/STORE.md CL8). */
    outboxLease?: OutboxLease;
  },
): ServiceBusConnection {
  logger.info(describeServiceBus(config), 'service bus starting');
  const client = createServiceBusClient(config.auth);
  const inbound = startServiceBusInbound({
    client,
    entity: config.inbound,
    store,
    logger,
    maxConcurrentCalls: config.maxConcurrentCalls,
    maxLockRenewalMs: config.maxLockRenewalMs,
    storeRetryDelayMs: config.storeRetryDelayMs,
    ...(metrics ? { metrics } : {}),
  });
  const sender = client.createSender(config.outboundTopic);
  const publisher = startOutboxPublisher({
    store,
    sender,
    logger,
    ...(metrics ? { metrics } : {}),
    ...(outboxLease ? { lease: outboxLease } : {}),
  });
  return {
    inbound,
    publisher,
    async close() {
      await inbound.close();
      await publisher.close();
      await sender.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}

/** What `/readyz` reports before the connection starts: HTTP ingest is ready; Service Bus is not yet. */
export function inboundBeforeStart(config: ServiceBusConfig | null): InboundSourceState {
  return config ? { name: inboundName(config.inbound), connected: false } : { name: 'http', connected: true };
}
