import type { IngestResult } from '../store/contract';

/**
 * What becomes of one inbound Service Bus message, decided without I/O so every rule is testable:
 * complete it (the store has it), dead-letter it with a reason a person can act on, or give it back for
 * a retry (the store could not take it now). The receiver carries out the verdict.
 */
export type InboundVerdict =
  | { action: 'complete'; eventId: string; status: 'applied' | 'duplicate' | 'stale' }
  | { action: 'dead-letter'; eventId: string | null; reason: DeadLetterReason; description: string }
  | { action: 'retry'; eventId: string | null; failure: string }
  /**
   * An update or cancellation for a task this relay's store does not know yet: its routing event may be
   * in another relay's hands (competing consumers) or behind it in the queue. Given back with back-off.
   */
  | { action: 'await-routing'; eventId: string; taskId: string; reason: string };

/**
 * `deadLetterReason` values, in Service Bus's own style (`MaxDeliveryCountExceeded`): short, stable,
 * filterable. The description says what is wrong and what to do.
 */
export const DEAD_LETTER_REASONS = {
  /** The body is not a JSON document. */
  bodyNotJson: 'BodyNotJson',
  /** No `messageId`: Wardline could not tell a redelivery from a new event. */
  messageIdMissing: 'MessageIdMissing',
  /** `messageId` and the CloudEvent `id` differ: the two de-duplication keys would disagree. */
  messageIdMismatch: 'MessageIdMismatch',
  /** The event failed the contract (docs/schemas) or cannot apply (e.g. a checklist item not on the task). */
  eventRejected: 'EventRejected',
  /** An update or cancellation whose task's routing event never arrived, after the bounded retries. */
  taskNotRouted: 'TaskNotRouted',
} as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[keyof typeof DEAD_LETTER_REASONS];

/** Service Bus stores the description as a message property; a paragraph is plenty. */
export const MAX_DESCRIPTION_LENGTH = 1_000;

export interface InboundMessage {
  messageId?: unknown;
  body: unknown;
}

/**
 * Judges one message. `ingest` is the same validate-and-apply as HTTP ingest; when it throws (the store
 * is read-only, locked or full), the message is retried rather than lost or dead-lettered.
 */
export async function judgeInboundMessage(
  message: InboundMessage,
  ingest: (event: unknown) => IngestResult | Promise<IngestResult>,
  /** Whether the store knows a task; absent, a rejected update is dead-lettered at once. */
  taskKnown?: (taskId: string) => Promise<boolean>,
): Promise<InboundVerdict> {
  const body = decodeBody(message.body);
  const messageId = messageIdText(message.messageId);
  if (!body.ok) {
    return deadLetter(null, DEAD_LETTER_REASONS.bodyNotJson, body.reason);
  }
  const eventId = eventIdOf(body.value);
  if (messageId === null) {
    return deadLetter(
      eventId,
      DEAD_LETTER_REASONS.messageIdMissing,
      `The message has no messageId. Wardline de-duplicates by it: resend with messageId set to the event's id${eventId ? ` (${eventId})` : ''}.`,
    );
  }
  if (eventId !== null && eventId !== messageId) {
    return deadLetter(
      eventId,
      DEAD_LETTER_REASONS.messageIdMismatch,
      `The messageId (${clip(messageId, 200)}) differs from the CloudEvent id (${eventId}). Both are the de-duplication key and must be equal: resend with messageId ${eventId}.`,
    );
  }
  let result: IngestResult;
  try {
    result = await ingest(body.value);
  } catch (error) {
    return { action: 'retry', eventId, failure: failureText(error) };
  }
  if (result.status === 'rejected') {
    const taskId = awaitsRoutingTaskId(body.value);
    if (taskId !== null && taskKnown && eventId !== null) {
      let known: boolean;
      try {
        known = await taskKnown(taskId);
      } catch (error) {
        return { action: 'retry', eventId, failure: failureText(error) };
      }
      if (!known) {
        return {
          action: 'await-routing',
          eventId,
          taskId,
          reason: result.reason ?? `task ${taskId} is not known here`,
        };
      }
    }
    return deadLetter(
      eventId,
      DEAD_LETTER_REASONS.eventRejected,
      result.reason ?? 'The event was rejected without a reason.',
    );
  }
  return { action: 'complete', eventId: result.id, status: result.status };
}

/** Event types that need their task routed first: the task id they wait for, or null. */
function awaitsRoutingTaskId(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const { type, data } = value as { type?: unknown; data?: { taskId?: unknown } };
  if (type !== 'wardline.task.updated' && type !== 'wardline.task.cancelled') return null;
  return typeof data?.taskId === 'string' ? data.taskId : null;
}

/**
 * Deliveries an update may wait for its task's routing event (the first included); the last one that
 * still finds no task dead-letters it. Each wait doubles from the base, up to STORE_RETRY_MAX_DELAY_MS.
 */
export function routingRetryDelayMs(deliveryCount: number, baseMs: number): number {
  return storeRetryDelayMs(deliveryCount, baseMs);
}

/** The dead-letter description of an update whose task never arrived: what happened, what to do. */
export function taskNotRoutedDescription(reason: string, attempts: number, waitedMs: number): string {
  return clip(
    `${reason}: its wardline.task.routed event had not arrived after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}` +
      ` over about ${Math.round(waitedMs / 1000)} s. Send the task's routing event, then resubmit this message.`,
    MAX_DESCRIPTION_LENGTH,
  );
}

/** How long an update waited over `attempts` deliveries with the doubling back-off. */
export function routingWaitMs(attempts: number, baseMs: number): number {
  let total = 0;
  for (let n = 0; n < attempts - 1; n++) total += routingRetryDelayMs(n, baseMs);
  return total;
}

/**
 * How long to keep a message the store could not take before giving it back: the first delivery waits
 * `base`, each later one twice as long, up to `STORE_RETRY_MAX_DELAY_MS`. Together with the max delivery
 * count this is how long a store outage may last before messages reach the dead-letter queue.
 */
export const STORE_RETRY_MAX_DELAY_MS = 30_000;

export function storeRetryDelayMs(deliveryCount: number, baseMs: number): number {
  const attempt = Math.max(0, Math.min(deliveryCount, 20));
  return Math.min(baseMs * 2 ** attempt, STORE_RETRY_MAX_DELAY_MS);
}

type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * The body as JSON. Producers send CloudEvents as a data section (bytes: .NET, Logic Apps, this SDK with
 * a Buffer) or, from this SDK with an object, as JSON the SDK already parsed. Parse errors are described
 * without quoting the body: it may hold patient data, and the description is shown to operators.
 */
export function decodeBody(body: unknown): Decoded {
  if (body === null || body === undefined) {
    return { ok: false, reason: 'The message has no body: send one CloudEvent as a JSON object.' };
  }
  let text: string | null = null;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
  else if (typeof body === 'string') text = body;
  if (text === null) return { ok: true, value: body };
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) as unknown };
  } catch {
    return {
      ok: false,
      reason:
        'The message body is not valid JSON: send one CloudEvent as a JSON object (UTF-8, structured mode).',
    };
  }
}

function messageIdText(id: unknown): string | null {
  if (typeof id === 'string') return id.trim() === '' ? null : id;
  if (typeof id === 'number' || typeof id === 'bigint') return String(id);
  if (id !== null && typeof id === 'object' && 'toString' in id && !Buffer.isBuffer(id)) {
    const text = String(id); // a Long from the SDK
    return text === '[object Object]' ? null : text;
  }
  return null;
}

function eventIdOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id.trim() !== '' ? id : null;
}

function deadLetter(eventId: string | null, reason: DeadLetterReason, description: string): InboundVerdict {
  return { action: 'dead-letter', eventId, reason, description: clip(description, MAX_DESCRIPTION_LENGTH) };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Error name and message only: a stack could carry an event's fields. */
function failureText(error: unknown): string {
  if (error instanceof Error) return clip(`${error.name}: ${error.message}`, 300);
  return 'a non-error value was thrown';
}
