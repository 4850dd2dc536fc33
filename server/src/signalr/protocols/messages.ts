/**
 * The hub protocol's message shapes (HubProtocol.md), shared by the JSON and MessagePack codecs.
 * Inbound messages are what a client may send after validation; outbound ones are what this server
 * sends. Stream items, client results and stateful reconnect are parsed (so they never crash a
 * connection) but the server does not act on them.
 */
export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

export type ProtocolName = 'json' | 'messagepack';
export type TransferFormat = 'Text' | 'Binary';

export interface InvocationMessage {
  type: typeof MessageType.Invocation;
  /** Absent for fire-and-forget (`connection.send`): no completion is owed. */
  invocationId?: string;
  target: string;
  arguments: unknown[];
  streamIds?: string[];
}

export interface StreamInvocationMessage {
  type: typeof MessageType.StreamInvocation;
  invocationId: string;
  target: string;
  arguments: unknown[];
  streamIds?: string[];
}

export type InboundMessage =
  | InvocationMessage
  | StreamInvocationMessage
  | { type: typeof MessageType.StreamItem; invocationId: string; item: unknown }
  | { type: typeof MessageType.Completion; invocationId: string; result?: unknown; error?: string }
  | { type: typeof MessageType.CancelInvocation; invocationId: string }
  | { type: typeof MessageType.Ping }
  | { type: typeof MessageType.Close; error?: string; allowReconnect?: boolean }
  | { type: typeof MessageType.Ack; sequenceId: number }
  | { type: typeof MessageType.Sequence; sequenceId: number };

export type CompletionMessage =
  | { type: typeof MessageType.Completion; invocationId: string; outcome: 'void' }
  | { type: typeof MessageType.Completion; invocationId: string; outcome: 'result'; result: unknown }
  | { type: typeof MessageType.Completion; invocationId: string; outcome: 'error'; error: string };

export interface CloseMessage {
  type: typeof MessageType.Close;
  error?: string;
  allowReconnect?: boolean;
}

export type OutboundMessage =
  | { type: typeof MessageType.Invocation; target: string; arguments: readonly unknown[] }
  | CompletionMessage
  | { type: typeof MessageType.Ping }
  | CloseMessage;

export interface HubProtocol {
  readonly name: ProtocolName;
  readonly transferFormat: TransferFormat;
  /**
   * Splits one transport message (a WebSocket frame or a POST body) into records and decodes each.
   * Throws ProtocolError on the first malformed record; records before it have been delivered.
   */
  parse(data: Buffer, maxMessageBytes: number, onMessage: (message: InboundMessage) => void): void;
  /** One whole, framed record. Throws if the arguments cannot be serialized. */
  encode(message: OutboundMessage): Buffer;
  /** Versions this codec speaks in the handshake: 1, and 2 (stateful reconnect framing, unused here). */
  isVersionSupported(version: number): boolean;
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Headers are an optional string map on every message but Ping; they are validated, then ignored. */
export function isHeaderMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'string');
}

export function isSupportedProtocolVersion(version: number): boolean {
  return version === 1 || version === 2;
}

/**
 * A client's Close, validated the same way whichever protocol carried it. `invalid` words the refusal in
 * that protocol's terms (a JSON property, a MessagePack array element).
 */
export function parseClose(
  error: unknown,
  allowReconnect: unknown,
  invalid: (field: string) => Error,
): CloseMessage {
  if (error !== undefined && error !== null && typeof error !== 'string') throw invalid('error');
  if (allowReconnect !== undefined && typeof allowReconnect !== 'boolean') throw invalid('allowReconnect');
  return {
    type: MessageType.Close,
    ...(typeof error === 'string' ? { error } : {}),
    ...(allowReconnect === undefined ? {} : { allowReconnect }),
  };
}
