import { monotonicNow, type Connection } from './connection';
import { MessageType, type HubProtocol, type OutboundMessage } from './protocols/messages';

/**
 * One message, serialized at most once per hub protocol and shared by every recipient: a fan-out to
 * 10,000 connections costs one JSON.stringify and one MessagePack encode, then only socket writes.
 */
export class PreparedMessage {
  private readonly encoded = new Map<HubProtocol, Buffer>();

  constructor(private readonly message: OutboundMessage) {}

  bytesFor(protocol: HubProtocol): Buffer {
    let bytes = this.encoded.get(protocol);
    if (!bytes) {
      bytes = protocol.encode(this.message);
      this.encoded.set(protocol, bytes);
    }
    return bytes;
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
    if (connection.writeRecord(prepared.bytesFor(protocol), now)) delivered++;
  }
  return delivered;
}
