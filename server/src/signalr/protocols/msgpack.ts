import { Decoder, Encoder } from '@msgpack/msgpack';
import { ProtocolError, messageTooLargeError } from '../errors';
import {
  MessageType,
  isHeaderMap,
  isStringArray,
  isSupportedProtocolVersion,
  parseClose,
  type HubProtocol,
  type InboundMessage,
  type OutboundMessage,
} from './messages';

/** A VarInt length prefix is 1–5 bytes; in the 5th byte only 3 bits are allowed (max 2 GB). */
const MAX_LENGTH_PREFIX_BYTES = 5;

/** Completion `resultKind` values (HubProtocol.md, MessagePack section). */
const ResultKind = { Error: 1, Void: 2, NonVoid: 3 } as const;

/**
 * Decoding is bounded by the record size (checked before decoding) and these caps, so a crafted header
 * such as "array of 4 billion items" fails fast instead of allocating.
 */
function createDecoder(maxMessageBytes: number): Decoder {
  return new Decoder({
    maxStrLength: maxMessageBytes,
    maxBinLength: maxMessageBytes,
    maxArrayLength: maxMessageBytes,
    maxMapLength: maxMessageBytes,
    maxExtLength: maxMessageBytes,
  });
}

const decoders = new Map<number, Decoder>();
function decoderFor(maxMessageBytes: number): Decoder {
  let decoder = decoders.get(maxMessageBytes);
  if (!decoder) {
    decoder = createDecoder(maxMessageBytes);
    decoders.set(maxMessageBytes, decoder);
  }
  return decoder;
}

/** `ignoreUndefined` makes `{ a: undefined }` lose the key, as JSON.stringify does. */
const encoder = new Encoder({ ignoreUndefined: true });

/** Reads one VarInt length prefix at `offset`; returns [length, prefixBytes]. */
export function readLengthPrefix(data: Uint8Array, offset: number): [number, number] {
  let length = 0;
  for (let i = 0; i < MAX_LENGTH_PREFIX_BYTES; i++) {
    const byte = data[offset + i];
    if (byte === undefined) throw new ProtocolError('Message is incomplete.');
    if (i === MAX_LENGTH_PREFIX_BYTES - 1 && byte > 0x07) {
      throw new ProtocolError('Invalid message length prefix.');
    }
    // Multiplication rather than shifts: 5 × 7 bits overflow a 32-bit shift.
    length += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [length, i + 1];
  }
  throw new ProtocolError('Invalid message length prefix.');
}

export function writeLengthPrefix(length: number): number[] {
  const bytes: number[] = [];
  let remaining = length;
  do {
    let part = remaining & 0x7f;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) part |= 0x80;
    bytes.push(part);
  } while (remaining > 0);
  return bytes;
}

function requireString(fields: unknown[], index: number, name: string): string {
  const value = fields[index];
  if (typeof value !== 'string') throw new ProtocolError(`Missing or invalid '${name}'.`);
  return value;
}

function requireFields(fields: unknown[], count: number, name: string): void {
  if (fields.length < count) throw new ProtocolError(`Invalid payload for ${name} message.`);
  if (!isHeaderMap(fields[1])) throw new ProtocolError(`Invalid headers in ${name} message.`);
}

function invocationParts(fields: unknown[]): { target: string; arguments: unknown[]; streamIds?: string[] } {
  const target = requireString(fields, 3, 'target');
  if (target.length === 0) throw new ProtocolError("'target' must not be empty.");
  const args = fields[4];
  if (!Array.isArray(args)) throw new ProtocolError("Missing or invalid 'arguments'.");
  // The JS client omits streamIds (a 5-element array) when there are none; .NET sends 6.
  const streamIds = fields[5];
  if (streamIds === undefined || streamIds === null) return { target, arguments: args };
  if (!isStringArray(streamIds)) throw new ProtocolError("Invalid 'streamIds'.");
  return { target, arguments: args, streamIds };
}

/** Validates one decoded record into an InboundMessage. Exported for the parser fuzz test. */
export function toInboundMessage(value: unknown): InboundMessage {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ProtocolError('A message must be a non-empty array.');
  }
  const fields = value as unknown[];
  const type = fields[0];
  if (typeof type !== 'number' || !Number.isInteger(type)) throw new ProtocolError('Invalid message type.');
  switch (type) {
    case MessageType.Invocation: {
      requireFields(fields, 5, 'Invocation');
      const id = fields[2];
      if (id !== null && id !== undefined && typeof id !== 'string') {
        throw new ProtocolError("Invalid 'invocationId'.");
      }
      return { type, ...invocationParts(fields), ...(typeof id === 'string' ? { invocationId: id } : {}) };
    }
    case MessageType.StreamInvocation:
      requireFields(fields, 5, 'StreamInvocation');
      return { type, invocationId: requireString(fields, 2, 'invocationId'), ...invocationParts(fields) };
    case MessageType.StreamItem:
      requireFields(fields, 4, 'StreamItem');
      return { type, invocationId: requireString(fields, 2, 'invocationId'), item: fields[3] };
    case MessageType.Completion: {
      requireFields(fields, 4, 'Completion');
      const invocationId = requireString(fields, 2, 'invocationId');
      switch (fields[3]) {
        case ResultKind.Void:
          return { type, invocationId };
        case ResultKind.NonVoid:
          if (fields.length < 5) throw new ProtocolError('Invalid payload for Completion message.');
          return { type, invocationId, result: fields[4] };
        case ResultKind.Error:
          return { type, invocationId, error: requireString(fields, 4, 'error') };
        default:
          throw new ProtocolError('Invalid completion result kind.');
      }
    }
    case MessageType.CancelInvocation:
      requireFields(fields, 3, 'CancelInvocation');
      return { type, invocationId: requireString(fields, 2, 'invocationId') };
    case MessageType.Ping:
      return { type };
    case MessageType.Close:
      return parseClose(fields[1], fields[2], (field) => new ProtocolError(`Invalid '${field}'.`));
    case MessageType.Ack:
    case MessageType.Sequence: {
      const sequenceId = fields[1];
      if (typeof sequenceId !== 'number' || !Number.isSafeInteger(sequenceId)) {
        throw new ProtocolError("Invalid 'sequenceId'.");
      }
      return { type, sequenceId };
    }
    default:
      throw new ProtocolError(`Unknown message type: ${type}.`);
  }
}

const EMPTY_HEADERS = {};

function toFields(message: OutboundMessage): unknown[] {
  switch (message.type) {
    case MessageType.Invocation:
      // No invocation id and no streamIds: the client accepts 5 elements.
      return [message.type, EMPTY_HEADERS, null, message.target, message.arguments];
    case MessageType.Completion:
      switch (message.outcome) {
        case 'void':
          return [message.type, EMPTY_HEADERS, message.invocationId, ResultKind.Void];
        case 'result':
          return [
            message.type,
            EMPTY_HEADERS,
            message.invocationId,
            ResultKind.NonVoid,
            message.result ?? null,
          ];
        case 'error':
          return [message.type, EMPTY_HEADERS, message.invocationId, ResultKind.Error, message.error];
        default:
          return assertNever(message);
      }
    case MessageType.Ping:
      return [message.type];
    case MessageType.Close:
      return [message.type, message.error ?? null, message.allowReconnect ?? false];
    default:
      return assertNever(message);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${String(value)}`);
}

export const messagePackProtocol: HubProtocol = {
  name: 'messagepack',
  transferFormat: 'Binary',
  isVersionSupported: isSupportedProtocolVersion,

  parse(data, maxMessageBytes, onMessage) {
    const decoder = decoderFor(maxMessageBytes);
    let offset = 0;
    while (offset < data.length) {
      const [length, prefixBytes] = readLengthPrefix(data, offset);
      if (length > maxMessageBytes) throw new ProtocolError(messageTooLargeError(maxMessageBytes));
      if (length === 0) throw new ProtocolError('Empty message.');
      const start = offset + prefixBytes;
      const end = start + length;
      if (end > data.length) throw new ProtocolError('Message is incomplete.');
      let value: unknown;
      try {
        value = decoder.decode(data.subarray(start, end));
      } catch {
        throw new ProtocolError('Message is not valid MessagePack.');
      }
      onMessage(toInboundMessage(value));
      offset = end;
    }
  },

  encode(message) {
    // encodeSharedRef avoids one copy; the bytes are copied once into the framed record right away.
    const body = encoder.encodeSharedRef(toFields(message));
    const prefix = writeLengthPrefix(body.length);
    const framed = Buffer.allocUnsafe(prefix.length + body.length);
    for (let i = 0; i < prefix.length; i++) framed[i] = prefix[i] ?? 0;
    framed.set(body, prefix.length);
    return framed;
  },
};
