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

/** rhea's outgoing half of an AMQP session: its delivery buffer and the peer's incoming window. */
interface OutgoingInternals {
  next_delivery_id: number;
  next_pending_delivery: number;
  next_transfer_id: number;
  remote_next_transfer_id?: number;
  remote_window?: number;
  available(): number;
  deliveries: {
    by_id(id: number): OutgoingDelivery | undefined;
    size: number;
    head: number;
    capacity: number;
  };
}

interface OutgoingDelivery {
  id: number;
  link: Rhea.Sender;
  settled: boolean;
  remote_settled: boolean;
}

function outgoingOf(link: Rhea.Sender): OutgoingInternals {
  return (link.session as unknown as { outgoing: OutgoingInternals }).outgoing;
}

/**
 * How many messages may be handed to this link now without breaking AMQP flow control:
 * - the link credit, less what rhea still holds unsent for the link (rhea counts credit down only when a
 *   transfer is written, so credit alone over-promises while the peer's window is shut);
 * - the peer's session incoming window (`incoming-window` from `next-incoming-id`), less every transfer
 *   the session still holds unsent;
 * - the room left in rhea's session buffer (2,048 deliveries, each kept until both ends settled it):
 *   pushing past it throws, which is the fault a backlog of a few thousand messages used to hit.
 * The broker pumps again when rhea says `sendable`, and on its sweep timer for a window that reopened.
 */
export function sendBudget(link: Rhea.Sender): number {
  const outgoing = outgoingOf(link);
  const unsentOnSession = outgoing.next_delivery_id - outgoing.next_pending_delivery;
  const unsentOnLink = unsentOn(link);
  const window =
    outgoing.remote_window === undefined || outgoing.remote_next_transfer_id === undefined
      ? 0
      : outgoing.remote_window - (outgoing.next_transfer_id - outgoing.remote_next_transfer_id);
  return Math.max(0, Math.min(creditOf(link) - unsentOnLink, window - unsentOnSession, outgoing.available()));
}

/** Deliveries rhea holds for this link and has not written yet (the peer's window is shut). */
export function unsentOn(link: Rhea.Sender): number {
  const outgoing = outgoingOf(link);
  let unsent = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    if (outgoing.deliveries.by_id(id)?.link === link) unsent++;
  }
  return unsent;
}

/**
 * A link that detached leaves its unsettled deliveries in the session buffer, and rhea frees that buffer
 * only from its oldest entry: mark them settled on both ends (the peer can no longer settle them on this
 * link; their locks live on in the entity) so later deliveries on the session can flow.
 */
export function forgetDeliveriesOf(link: Rhea.Sender): void {
  const outgoing = outgoingOf(link);
  const { deliveries } = outgoing;
  for (let i = 0; i < deliveries.size; i++) {
    const delivery = (deliveries as unknown as { entries: Array<OutgoingDelivery | undefined> }).entries[
      (deliveries.head + i) % deliveries.capacity
    ];
    // Only what was written: an unsent one is still rhea's to write or drop.
    if (delivery?.link === link && delivery.id < outgoing.next_pending_delivery) {
      delivery.settled = true;
      delivery.remote_settled = true;
    }
  }
  (link.connection as unknown as { _register(): void })._register();
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
 * rhea answers every attach as soon as the connection next writes. A session receiver asking for "the
 * next available session" when none is free must wait instead (Service Bus holds the attach up to the
 * client's `com.microsoft:timeout`): take the answer back until `releaseAttach`.
 */
export function holdAttach(link: Rhea.Sender): void {
  const state = (link as unknown as { state: { local_open: boolean; open_requests: number } }).state;
  state.local_open = false;
  state.open_requests = 0;
}

export function releaseAttach(link: Rhea.Sender): void {
  link.open();
  (link.connection as unknown as { _register(): void })._register();
}

/** Properties the broker puts on its own attach (Service Bus: the session lock's expiry). */
export function setAttachProperties(link: Rhea.Sender, properties: Record<string, unknown>): void {
  internals(link).local.attach.properties = properties;
}

/** A time as .NET ticks in an AMQP long, how Service Bus writes `com.microsoft:locked-until-utc`. */
export function dotNetTicks(ms: number): unknown {
  const ticks = (BigInt(ms) + 62_135_596_800_000n) * 10_000n;
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(ticks);
  return rhea.types.wrap_long(bytes);
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

/**
 * Settles a delivery this broker sent, with the broker's outcome. With rcv-settle-mode "second" the
 * client's unsettled disposition came first, so once the broker settles the delivery is over on the
 * wire; the SDK does not answer with a settled disposition of its own. rhea keeps an outgoing delivery
 * in its session buffer until both ends settled it, so it is marked settled remotely too: otherwise the
 * buffer fills after 2,048 deliveries on one session and rhea throws.
 */
export function settleSent(delivery: Rhea.Delivery, outcome: unknown): void {
  delivery.update(true, outcome);
  (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
}

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
