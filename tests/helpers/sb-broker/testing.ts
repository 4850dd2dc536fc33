/**
 * What the relay's Service Bus tests share: the relay's environment for a broker, and sending events
 * the way the hospital's middleware does (JSON bytes, messageId = the CloudEvent id).
 */
import type { ServiceBusClient, ServiceBusMessage } from '@azure/service-bus';
import { ServiceBusTestBroker } from './broker';
import type { MessageEntity } from './entity';

export const INBOUND_QUEUE = 'worklist-inbound';
export const OUTBOUND_TOPIC = 'worklist-outbound';
/** The outbound topic's subscription the tests read everything published from. */
export const AUDIT = `${OUTBOUND_TOPIC}/Subscriptions/audit`;

/**
 * A broker for the outbound tests: the inbound queue, and the outbound topic as the integration team
 * should configure it (duplicate detection on messageId) with one `audit` subscription.
 */
export function startOutboundBroker(): Promise<ServiceBusTestBroker> {
  return ServiceBusTestBroker.start({
    queues: { [INBOUND_QUEUE]: { lockDurationMs: 5_000 } },
    topics: { [OUTBOUND_TOPIC]: { duplicateDetectionWindowMs: 600_000, subscriptions: { audit: {} } } },
  });
}

/** The relay's environment for this broker; the entity names are the relay's defaults. */
export function serviceBusEnv(
  broker: ServiceBusTestBroker,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { SERVICEBUS_CONNECTION_STRING: broker.connectionString, ...extra };
}

/** A CloudEvent as the middleware publishes it: structured-mode JSON bytes, its id as the messageId. */
export function eventMessage(
  event: { id: string; subject?: string },
  overrides: Partial<ServiceBusMessage> = {},
) {
  return {
    body: Buffer.from(JSON.stringify(event), 'utf8'),
    contentType: 'application/cloudevents+json; charset=utf-8',
    messageId: event.id,
    ...(event.subject ? { subject: event.subject } : {}),
    ...overrides,
  } satisfies ServiceBusMessage;
}

/** Sends messages in as few batches as fit, in order. */
export async function sendAll(
  client: ServiceBusClient,
  entity: string,
  messages: ServiceBusMessage[],
): Promise<void> {
  const sender = client.createSender(entity);
  try {
    let batch = await sender.createMessageBatch();
    for (const message of messages) {
      if (batch.tryAddMessage(message)) continue;
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      if (!batch.tryAddMessage(message)) throw new Error('a test message is larger than a batch');
    }
    if (batch.count > 0) await sender.sendMessages(batch);
  } finally {
    await sender.close();
  }
}

/** The bodies of an entity's stored messages, parsed, in sequence order (nothing is locked or removed). */
export function storedEvents(entity: MessageEntity): Array<{
  messageId: string;
  properties: Record<string, unknown>;
  body: Record<string, unknown> | null;
  message: Record<string, unknown>;
}> {
  return entity.list().map(({ message }) => {
    const section = message.body as { content?: unknown } | undefined;
    const bytes = section?.content;
    let body: Record<string, unknown> | null;
    try {
      body = Buffer.isBuffer(bytes) ? (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>) : null;
    } catch {
      body = null; // a poison message's body
    }
    return {
      messageId: String(message.message_id),
      properties: message.application_properties ?? {},
      body,
      message,
    };
  });
}

/** Polls an async condition until it holds; fails with `what` after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
