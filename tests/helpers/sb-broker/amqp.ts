/**
 * The AMQP 1.0 layer of the test broker: rhea loaded for ESM, the few rhea internals the broker must
 * touch (credit, attach frames), Service Bus lock tokens, and the batch envelope the SDK sends.
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type * as Rhea from 'rhea';

// rhea is CommonJS with `module.exports = new Container()`: Node's ESM loader cannot see its names.
export const rhea = createRequire(import.meta.url)('rhea') as typeof Rhea;

export type { Connection, Delivery, EventContext, Receiver, Sender } from 'rhea';

/**
 * A message as rhea decodes and encodes it: header fields (`delivery_count`, `ttl`, …), properties
 * (`message_id`, `group_id`, …), annotation maps and `body` side by side in one object.
 */
export interface AmqpMessage {
  message_id?: unknown;
  correlation_id?: unknown;
  reply_to?: string;
  subject?: string;
  group_id?: string;
  content_type?: string;
  delivery_count?: number;
  application_properties?: Record<string, unknown>;
  message_annotations?: Record<string, unknown>;
  body?: unknown;
  [field: string]: unknown;
}

/** The message format of an SDK batch: one envelope whose data sections are encoded messages. */
export const BATCH_MESSAGE_FORMAT = 0x80013700;

/** Terminus fields as rhea unwraps them from an attach frame. */
export interface Terminus {
  address?: string;
  filter?: Record<string, unknown> | null;
  [field: string]: unknown;
}

interface AttachFrame {
  name: string;
  source?: Terminus | null;
  target?: Terminus | null;
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  max_message_size?: number;
  properties?: Record<string, unknown>;
}

/** rhea's link internals that its typings leave out; read and written in this file only. */
interface LinkInternals {
  credit: number;
  _draining?: boolean;
  local: { attach: AttachFrame };
  remote: { attach?: AttachFrame };
}

function internals(link: Rhea.Sender | Rhea.Receiver): LinkInternals {
  return link as unknown as LinkInternals;
}

export function remoteAttach(link: Rhea.Sender | Rhea.Receiver): AttachFrame {
  return internals(link).remote.attach ?? { name: link.name };
}

/** How many more messages the peer asked for on this link. */
export function creditOf(link: Rhea.Sender): number {
  return internals(link).credit;
}

/** The peer sent a flow with `drain`: use the credit now, or give it back with `answerDrain`. */
export function isDraining(link: Rhea.Sender): boolean {
  return internals(link)._draining === true;
}

/**
 * "Nothing more for you now": advances the delivery count over the unused credit and flows it back,
 * which is what ends a `receiveMessages` call before its timeout. rhea writes the flow only when the
 * connection next processes, so poke it: this runs outside rhea's own event dispatch.
 */
export function answerDrain(link: Rhea.Sender): void {
  link.set_drained(true);
  (link.connection as unknown as { _register(): void })._register();
}

/**
 * Answers an attach the way Service Bus does: same terminus, same settle modes (peek-lock receivers ask
 * for rcv-settle-mode "second"), and for links the client sends on, the largest message accepted.
 */
export function echoAttach(link: Rhea.Sender | Rhea.Receiver, maxMessageSize?: number): void {
  const remote = remoteAttach(link);
  const local = internals(link).local.attach;
  if (remote.source) link.set_source(remote.source as Rhea.Source);
  if (remote.target) link.set_target(remote.target as Rhea.TerminusOptions);
  if (remote.snd_settle_mode !== undefined) local.snd_settle_mode = remote.snd_settle_mode;
  if (remote.rcv_settle_mode !== undefined) local.rcv_settle_mode = remote.rcv_settle_mode;
  if (maxMessageSize !== undefined) local.max_message_size = maxMessageSize;
}

// --- lock tokens ---------------------------------------------------------------------------------

export function newLockToken(): string {
  return randomUUID();
}

/** RFC 4122 byte order: how the SDK writes lock tokens in `$management` requests. */
export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The delivery tag of a locked message: the lock token in .NET `Guid` byte order (the first three
 * fields little-endian). The SDK reverses exactly this to build `message.lockToken`; a tag in RFC order
 * gives the client a token the broker never issued, and renew-lock then fails.
 */
export function lockTokenTag(uuid: string): Buffer {
  const b = uuidToBytes(uuid);
  return Buffer.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

/** A uuid as rhea hands it over: a 16-byte Buffer, or already a string. */
export function readUuid(value: unknown): string | null {
  if (typeof value === 'string') return value.toLowerCase();
  if (Buffer.isBuffer(value) && value.length === 16) return bytesToUuid(value);
  return null;
}

/** An AMQP long as rhea decodes it: a number, or an 8-byte big-endian Buffer when it is large. */
export function readLong(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE(0));
  if (typeof value === 'bigint') return Number(value);
  return null;
}

// --- incoming transfers --------------------------------------------------------------------------

/**
 * The messages in one transfer. A single `sendMessages(message)` arrives decoded (format 0); an array
 * or a batch arrives as a raw Buffer in format 0x80013700, an envelope whose body is one data section
 * per encoded message.
 */
export function messagesOfTransfer(message: unknown, format: number | undefined): AmqpMessage[] {
  if (!format) return [message as AmqpMessage];
  if (format !== BATCH_MESSAGE_FORMAT || !Buffer.isBuffer(message)) {
    throw new Error(`message format ${format} is not one Service Bus accepts`);
  }
  const envelope = rhea.message.decode(message) as AmqpMessage;
  const body = envelope.body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (!body || body.typecode !== 0x75) return [];
  const sections = body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
  return sections.map((section) => rhea.message.decode(section) as AmqpMessage);
}

export function encodeMessage(message: AmqpMessage): Buffer {
  return rhea.message.encode(message);
}

export function sendOn(link: Rhea.Sender, message: AmqpMessage, tag?: Buffer): Rhea.Delivery {
  return link.send(message as Rhea.Message, tag);
}

// --- delivery outcomes ---------------------------------------------------------------------------

/** rhea's outcome constructors, which its typings leave out. */
const outcomes = rhea.message as unknown as {
  accepted(): { described(): unknown };
  rejected(fields?: { error?: Rhea.AmqpError }): { described(): unknown };
};

export function acceptedOutcome(): unknown {
  return outcomes.accepted().described();
}

export function rejectedOutcome(error: Rhea.AmqpError): unknown {
  return outcomes.rejected({ error }).described();
}
