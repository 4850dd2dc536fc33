import { monotonicNow, type Connection } from './connection';
import { MessageType, type HubProtocol, type OutboundMessage } from './protocols/messages';
import { SharedRecord } from './transports/ws-frame';

/**
 * One message, serialized at most once per hub protocol and shared by every recipient: a fan-out to
 * 10,000 connections costs one JSON.stringify and one MessagePack encode (and one WebSocket frame of
 * each), then only socket writes.
 */
export class PreparedMessage {
  private readonly encoded = new Map<HubProtocol, SharedRecord>();

  constructor(private readonly message: OutboundMessage) {}

  recordFor(protocol: HubProtocol): SharedRecord {
    let record = this.encoded.get(protocol);
    if (!record) {
      record = new SharedRecord(protocol.encode(this.message));
      this.encoded.set(protocol, record);
    }
    return record;
  }
}

/** Sends a client-method call to each recipient that passes `predicate`; returns how many took it. */
export function fanOut<P>(
  recipients: Iterable<Connection<P>> | undefined,
  target: string,
  args: readonly unknown[],
  predicate?: (connection: Connection<P>) => boolean,
): number {
  if (!recipients) return 0;
  const prepared = new PreparedMessage({ type: MessageType.Invocation, target, arguments: args });
  const now = monotonicNow();
  let delivered = 0;
  for (const connection of recipients) {
    const protocol = connection.hubProtocolCodec;
    if (!protocol || (predicate && !predicate(connection))) continue;
    if (connection.writeShared(prepared.recordFor(protocol), now)) delivered++;
  }
  return delivered;
}
