import type { Logger } from '../log';
import { ProtocolError } from './errors';
import type { SignalRLimits } from './limits';
import { HANDSHAKE_OK, handshakeErrorRecord, parseHandshake } from './protocols/handshake';
import {
  MessageType,
  type CompletionMessage,
  type HubProtocol,
  type InboundMessage,
  type InvocationMessage,
  type OutboundMessage,
  type ProtocolName,
  type StreamInvocationMessage,
} from './protocols/messages';
import { InvocationQueue } from './invocation-queue';
import { RateBucket } from './rate';
import type { TransportSink } from './transports/sink';
import { SharedRecord } from './transports/ws-frame';
import type { CloseOptions, LimitCounter, SignalRConnection, TransportName } from './types';

/** Monotonic milliseconds: deadlines must not jump with the wall clock. */
export const monotonicNow = (): number => performance.now();

/** Keep-alive pings are the most frequent message; encode each protocol's once. */
const pingRecords = new Map<HubProtocol, Buffer>();
function pingRecord(protocol: HubProtocol): Buffer {
  let record = pingRecords.get(protocol);
  if (!record) {
    record = protocol.encode({ type: MessageType.Ping });
    pingRecords.set(protocol, record);
  }
  return record;
}

/**
 * negotiated → (claimed: WebSocket upgrade in progress) → handshaking → connected → closing → closed.
 * Only `connected` connections are addressable; `closing` ones may still flush a Close message (and a
 * long-polling one answers polls with 204 until the client stops).
 */
export type ConnectionPhase = 'negotiated' | 'claimed' | 'handshaking' | 'connected' | 'closing' | 'closed';

/** The server side of a connection: registry, hub and settings. */
export interface ConnectionHost<P> {
  readonly limits: SignalRLimits;
  readonly logger: Logger;
  readonly protocols: readonly ProtocolName[];
  /** The handshake succeeded: make the connection addressable and run onConnected (the promise). */
  joined(connection: Connection<P>): Promise<void>;
  /** No longer addressable. `wasConnected` says whether onDisconnected is owed. */
  left(connection: Connection<P>, error: Error | undefined, wasConnected: boolean): void;
  /** The transport is finished: forget the token. */
  gone(connection: Connection<P>): void;
  /** The bucket all of one user's connections draw their invocations from. */
  userBucket(userId: string): RateBucket;
  /** A fairness limit refused or held something back (counted for /metrics). */
  count(counter: LimitCounter): void;
  invoke(connection: Connection<P>, message: InvocationMessage): Promise<void>;
  invokeStream(connection: Connection<P>, message: StreamInvocationMessage): Promise<void>;
}

interface CloseHow {
  /** False when the client asked to close (its Close message) or cannot receive anything anyway. */
  sendClose?: boolean;
  /** Drop queued, undelivered messages first (slow consumers). */
  discardQueued?: boolean;
  /** Cut the transport at once instead of letting it flush. */
  abort?: boolean;
}

export class Connection<P> implements SignalRConnection<P> {
  readonly groups = new Set<string>();
  phase: ConnectionPhase = 'negotiated';
  caller: P;
  private sink: TransportSink | undefined;
  private hubProtocol: HubProtocol | undefined;
  private binary = false;
  private attachedAt = 0;
  private lastReceivedAt = 0;
  private lastSentAt = 0;
  private readonly invocations: InvocationQueue;
  /** Invocations in the transport message being parsed (bounded by maxInvocationsPerMessage). */
  private invocationsInMessage = 0;

  constructor(
    private readonly host: ConnectionHost<P>,
    readonly id: string,
    readonly token: string,
    principal: P,
    readonly userId: string,
    readonly createdAt: number,
  ) {
    this.caller = principal;
    const limits = host.limits;
    this.invocations = new InvocationQueue({
      maxParallel: limits.maxParallelInvocations,
      maxQueued: limits.maxQueuedInvocations,
      logger: host.logger,
      connectionId: id,
      buckets: [
        new RateBucket(limits.invocationsPerSecond, limits.invocationBurst, createdAt),
        host.userBucket(userId),
      ],
      now: monotonicNow,
      onDelayed: () => host.count('invocationsDelayed'),
      onPause: () => this.sink?.pause?.(),
      onResume: () => {
        // Reading stopped because of us, not the client: its silence meanwhile is not a timeout.
        this.lastReceivedAt = monotonicNow();
        this.sink?.resume?.();
      },
    });
  }

  get transport(): TransportName {
    if (!this.sink) throw new Error('signalr: connection has no transport yet');
    return this.sink.name;
  }

  get transportName(): TransportName | undefined {
    return this.sink?.name;
  }

  get protocol(): ProtocolName {
    if (!this.hubProtocol) throw new Error('signalr: connection has not completed its handshake');
    return this.hubProtocol.name;
  }

  /** The negotiated codec; undefined before the handshake. */
  get hubProtocolCodec(): HubProtocol | undefined {
    return this.hubProtocol;
  }

  get bufferedBytes(): number {
    return this.sink?.bufferedBytes() ?? 0;
  }

  get transportSink(): TransportSink | undefined {
    return this.sink;
  }

  /** Reserves the connection for a WebSocket upgrade that ws completes asynchronously. */
  claim(): void {
    this.phase = 'claimed';
  }

  attach(sink: TransportSink, principal: P, now: number): void {
    this.sink = sink;
    this.caller = principal;
    this.phase = 'handshaking';
    this.attachedAt = now;
    this.lastReceivedAt = now;
    this.lastSentAt = now;
  }

  /** One transport message from the client: a WebSocket frame or a POST body. Never throws. */
  receive(data: Buffer): void {
    try {
      if (this.phase === 'handshaking') {
        this.lastReceivedAt = monotonicNow();
        this.handshake(data);
      } else if (this.phase === 'connected') {
        this.lastReceivedAt = monotonicNow();
        this.parse(data);
      }
    } catch (err) {
      this.host.logger.error(
        { err, connectionId: this.id },
        'signalr: unexpected error handling client data',
      );
      this.close({ error: 'Connection closed with an error.' });
    }
  }

  private handshake(data: Buffer): void {
    const sink = this.sink;
    if (!sink) return;
    const result = parseHandshake(data, {
      maxMessageBytes: this.host.limits.maxMessageBytes,
      enabled: this.host.protocols,
      transferFormats: sink.transferFormats,
    });
    if (!result.ok) {
      this.failHandshake(result.error);
      return;
    }
    this.hubProtocol = result.protocol;
    this.binary = result.protocol.transferFormat === 'Binary';
    // ASP.NET switches the transport to the protocol's format before answering, so a MessagePack
    // client gets its handshake answer in a binary frame; the client parses both.
    sink.write(HANDSHAKE_OK, this.binary);
    this.lastSentAt = monotonicNow();
    this.phase = 'connected';
    this.host.joined(this).then(
      () => this.invocations.start(),
      (err: unknown) => {
        this.host.logger.error({ err, connectionId: this.id }, 'signalr: onConnected failed');
        this.close({ error: 'Connection closed with an error.' });
      },
    );
    if (result.rest.length > 0) this.parse(result.rest);
  }

  private failHandshake(error: string): void {
    this.host.logger.warn(
      { connectionId: this.id, transport: this.transportName, reason: error },
      'signalr: handshake failed, closing connection',
    );
    const sink = this.sink;
    this.phase = 'closing';
    this.host.left(this, new Error(error), false);
    if (!sink) return this.finish();
    sink.write(handshakeErrorRecord(error), false);
    sink.end();
  }

  private parse(data: Buffer): void {
    const protocol = this.hubProtocol;
    if (!protocol) return;
    this.invocationsInMessage = 0;
    try {
      protocol.parse(data, this.host.limits.maxMessageBytes, (message) => this.handleMessage(message));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.closeForBadInput(err.message);
    }
  }

  /** Logs once (the connection is closing afterwards, so later input is ignored) and closes. */
  closeForBadInput(reason: string): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.host.logger.warn(
      { connectionId: this.id, transport: this.transportName, protocol: this.hubProtocol?.name, reason },
      'signalr: malformed input, closing connection',
    );
    this.close({ error: `Connection closed with an error. ${reason}` });
  }

  private handleMessage(message: InboundMessage): void {
    if (this.phase !== 'connected') return;
    if (message.type === MessageType.Invocation || message.type === MessageType.StreamInvocation) {
      // Thrown from inside the parse: the rest of the message is not even read, and close() drops
      // what this message already queued.
      if (++this.invocationsInMessage > this.host.limits.maxInvocationsPerMessage) {
        this.host.count('invocationsPerMessage');
        throw new ProtocolError(
          `Too many invocations in one message: at most ${this.host.limits.maxInvocationsPerMessage}.`,
        );
      }
    }
    switch (message.type) {
      case MessageType.Invocation:
        this.invocations.push(() => this.host.invoke(this, message));
        return;
      case MessageType.StreamInvocation:
        this.invocations.push(() => this.host.invokeStream(this, message));
        return;
      case MessageType.Close:
        // The client is leaving; it expects nothing more.
        this.close({}, { sendClose: false });
        return;
      case MessageType.Ping:
      case MessageType.CancelInvocation: // no streams run, so there is nothing to cancel
      case MessageType.StreamItem: // upload streams are refused at invocation
      case MessageType.Completion: // the server never asks clients for results
      case MessageType.Ack: // stateful reconnect is not offered
      case MessageType.Sequence:
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  /**
   * Resolves when this connection can take more input: POST sends answer only then, which throttles a
   * long-polling or SSE client the way pausing the socket throttles a WebSocket one.
   */
  readyForMore(): Promise<void> {
    return this.invocations.hasRoom();
  }

  /**
   * Hands one framed record to the transport. A connection whose transport already holds more than
   * maxBufferedBytes is a slow consumer: it is closed and its queue released, so memory stays bounded.
   * One message larger than the limit still goes out to an idle connection.
   */
  writeRecord(data: Buffer, now: number): boolean {
    return this.writeShared(data, now);
  }

  /** A broadcast's record, the same object for every recipient (its WebSocket frame is built once). */
  writeShared(record: SharedRecord | Buffer, now: number): boolean {
    const shared = record instanceof SharedRecord ? record : undefined;
    const data = shared ? shared.bytes : (record as Buffer);
    const sink = this.sink;
    if (this.phase !== 'connected' || !sink) return false;
    const buffered = sink.bufferedBytes();
    if (buffered > 0 && buffered + data.length > this.host.limits.maxBufferedBytes) {
      this.host.logger.warn(
        { connectionId: this.id, transport: sink.name, bufferedBytes: buffered },
        'signalr: slow consumer, closing connection',
      );
      this.close(
        { error: 'Connection closed: the client did not keep up with its messages.', allowReconnect: true },
        { discardQueued: true },
      );
      return false;
    }
    sink.write(data, this.binary, shared);
    this.lastSentAt = now;
    return true;
  }

  /** Encodes a message for this connection's protocol only (single-recipient sends). */
  sendMessage(message: OutboundMessage): boolean {
    const protocol = this.hubProtocol;
    if (!protocol || this.phase !== 'connected') return false;
    return this.writeRecord(protocol.encode(message), monotonicNow());
  }

  send(target: string, ...args: unknown[]): boolean {
    return this.sendMessage({ type: MessageType.Invocation, target, arguments: args });
  }

  /** A result that cannot be serialized becomes a generic error, never a hung invocation. */
  sendCompletion(message: CompletionMessage, target: string, genericError: string): void {
    const protocol = this.hubProtocol;
    if (!protocol || this.phase !== 'connected') return;
    let bytes: Buffer;
    try {
      bytes = protocol.encode(message);
    } catch (err) {
      this.host.logger.error(
        { err, connectionId: this.id, method: target },
        'signalr: result not serializable',
      );
      bytes = protocol.encode({ ...message, outcome: 'error', error: genericError });
    }
    this.writeRecord(bytes, monotonicNow());
  }

  close(options: CloseOptions = {}, how: CloseHow = {}): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    const wasConnected = this.phase === 'connected';
    this.phase = 'closing';
    this.invocations.stop();
    this.host.left(this, options.error === undefined ? undefined : new Error(options.error), wasConnected);
    const sink = this.sink;
    if (!sink) return this.finish();
    if (how.discardQueued) sink.discardQueued();
    if (wasConnected && this.hubProtocol && how.sendClose !== false) {
      sink.write(
        this.hubProtocol.encode({
          type: MessageType.Close,
          ...(options.error === undefined ? {} : { error: options.error }),
          ...(options.allowReconnect ? { allowReconnect: true } : {}),
        }),
        this.binary,
      );
    }
    if (how.abort) sink.abort();
    else sink.end();
  }

  /** The transport reports that it is finished, whichever side ended it. */
  transportClosed(error?: Error): void {
    if (this.phase === 'closed') return;
    if (this.phase !== 'closing') {
      const wasConnected = this.phase === 'connected';
      this.phase = 'closing';
      this.invocations.stop();
      this.host.left(this, error, wasConnected);
    }
    this.finish();
  }

  private finish(): void {
    this.phase = 'closed';
    this.host.gone(this);
  }

  /** Deadlines, checked by the server's sweep. */
  tick(now: number): void {
    const limits = this.host.limits;
    switch (this.phase) {
      case 'negotiated':
      case 'claimed':
        if (now - this.createdAt > limits.negotiateTtlMs) {
          this.host.logger.debug({ connectionId: this.id }, 'signalr: negotiated connection expired unused');
          this.close();
        }
        break;
      case 'handshaking':
        if (now - this.attachedAt > limits.handshakeTimeoutMs) {
          this.failHandshake('Handshake was not received in time.');
        }
        break;
      case 'connected':
        // Long polling has inherent keep-alive: the client neither pings nor times the server out there.
        if (this.sink?.name === 'LongPolling') break;
        if (!this.invocations.paused && now - this.lastReceivedAt > limits.clientTimeoutMs) {
          this.host.logger.info(
            { connectionId: this.id, transport: this.transportName },
            'signalr: client timed out',
          );
          this.close({
            error: 'Server timeout elapsed without receiving a message from the client.',
            allowReconnect: true,
          });
        } else if (this.hubProtocol && now - this.lastSentAt >= limits.keepAliveIntervalMs) {
          this.writeRecord(pingRecord(this.hubProtocol), now);
        }
        break;
      case 'closing':
      case 'closed':
        break;
    }
    this.sink?.tick?.(now);
  }
}
