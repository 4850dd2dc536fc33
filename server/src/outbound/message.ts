import type { ServiceBusMessage } from '@azure/service-bus';
import type { OutboxRow } from '../store/contract';

/** CloudEvents' AMQP binding, structured mode: the whole event is the body. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/** An outbox row whose body is not the CloudEvent the store wrote: it cannot be sent as it is. */
export class UnreadableOutboxRow extends Error {
  constructor(readonly rowId: number) {
    super(`outbox row ${rowId} is not a CloudEvent with an id; fix or remove it, the rows after it wait`);
    this.name = 'UnreadableOutboxRow';
  }
}

/**
 * One outbox row as a Service Bus message, with the properties the workflow engine relies on:
 * - `messageId` = the CloudEvent id: a resend after a crash carries the same id, so the topic's
 *   duplicate detection (or the subscriber) drops it;
 * - `sessionId` and `subject` = the task id: on a session-enabled subscription, per-task FIFO;
 * - `correlationId` = the id of the inbound event that created the task (Service Bus's request/reply
 *   convention: a reply's correlationId is the request's messageId), so upstream finds its workflow
 *   instance without parsing the body;
 * - `cloudEvents:type` as an application property, for subscription filter rules.
 * The body is the stored JSON, byte for byte, as a data section any client reads as bytes.
 */
export function outboundMessage(row: OutboxRow, correlationId: string | null): ServiceBusMessage {
  let id: unknown;
  try {
    id = (JSON.parse(row.body) as { id?: unknown }).id;
  } catch {
    throw new UnreadableOutboxRow(row.id);
  }
  if (typeof id !== 'string' || id === '') throw new UnreadableOutboxRow(row.id);
  return {
    body: Buffer.from(row.body, 'utf8'),
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    messageId: id,
    ...(correlationId ? { correlationId } : {}),
    subject: row.taskId,
    sessionId: row.taskId,
    applicationProperties: { 'cloudEvents:type': row.type },
  };
}
