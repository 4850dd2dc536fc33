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

/** The JSON protocol's record terminator (ASCII RS). JSON.stringify escapes it inside strings. */
export const RECORD_SEPARATOR = 0x1e;
const RECORD_SEPARATOR_CHAR = '\x1e';

type JsonRecord = Record<string, unknown>;

function requireString(record: JsonRecord, key: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new ProtocolError(`Missing or invalid property '${key}'.`);
  return value;
}

function optionalInvocationId(record: JsonRecord): string | undefined {
  const value = record.invocationId;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ProtocolError("Invalid property 'invocationId'.");
  return value;
}

function requireTarget(record: JsonRecord): string {
  const target = requireString(record, 'target');
  if (target.length === 0) throw new ProtocolError("Property 'target' must not be empty.");
  return target;
}

function requireArguments(record: JsonRecord): unknown[] {
  const args = record.arguments;
  if (!Array.isArray(args)) throw new ProtocolError("Missing or invalid property 'arguments'.");
  return args;
}

function optionalStreamIds(record: JsonRecord): string[] | undefined {
  const ids = record.streamIds;
  if (ids === undefined || ids === null) return undefined;
  if (!isStringArray(ids)) throw new ProtocolError("Invalid property 'streamIds'.");
  return ids;
}

function requireSequenceId(record: JsonRecord): number {
  const id = record.sequenceId;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw new ProtocolError("Invalid property 'sequenceId'.");
  }
  return id;
}

/** Validates one parsed record into an InboundMessage. Exported for the parser fuzz test. */
export function toInboundMessage(value: unknown): InboundMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('A message must be a JSON object.');
  }
  const record = value as JsonRecord;
  if (record.headers !== undefined && record.headers !== null && !isHeaderMap(record.headers)) {
    throw new ProtocolError("Invalid property 'headers'.");
  }
  const type = record.type;
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    throw new ProtocolError("Missing or invalid property 'type'.");
  }
  switch (type) {
    case MessageType.Invocation: {
      const invocationId = optionalInvocationId(record);
      const streamIds = optionalStreamIds(record);
      return {
        type,
        target: requireTarget(record),
        arguments: requireArguments(record),
        ...(invocationId === undefined ? {} : { invocationId }),
        ...(streamIds === undefined ? {} : { streamIds }),
      };
    }
    case MessageType.StreamInvocation: {
      const streamIds = optionalStreamIds(record);
      return {
        type,
        invocationId: requireString(record, 'invocationId'),
        target: requireTarget(record),
        arguments: requireArguments(record),
        ...(streamIds === undefined ? {} : { streamIds }),
      };
    }
    case MessageType.StreamItem:
      return { type, invocationId: requireString(record, 'invocationId'), item: record.item };
    case MessageType.Completion: {
      const invocationId = requireString(record, 'invocationId');
      const { error } = record;
      if (error !== undefined && error !== null) {
        if (typeof error !== 'string') throw new ProtocolError("Invalid property 'error'.");
        if (record.result !== undefined) {
          throw new ProtocolError("The 'error' and 'result' properties are mutually exclusive.");
        }
        return { type, invocationId, error };
      }
      return { type, invocationId, result: record.result };
    }
    case MessageType.CancelInvocation:
      return { type, invocationId: requireString(record, 'invocationId') };
    case MessageType.Ping:
      return { type };
    case MessageType.Close:
      return parseClose(
        record.error,
        record.allowReconnect,
        (field) => new ProtocolError(`Invalid property '${field}'.`),
      );
    case MessageType.Ack:
    case MessageType.Sequence:
      return { type, sequenceId: requireSequenceId(record) };
    default:
      // ASP.NET closes on an unknown type (InvalidDataException); only the client skips them.
      throw new ProtocolError(`Unknown message type: ${type}.`);
  }
}

function toJsonRecord(message: OutboundMessage): unknown {
  switch (message.type) {
    case MessageType.Invocation:
      return { type: message.type, target: message.target, arguments: message.arguments };
    case MessageType.Completion:
      switch (message.outcome) {
        case 'void':
          return { type: message.type, invocationId: message.invocationId };
        case 'result':
          // `?? null` keeps the key when a method returns undefined inside a result-bearing completion.
          return { type: message.type, invocationId: message.invocationId, result: message.result ?? null };
        case 'error':
          return { type: message.type, invocationId: message.invocationId, error: message.error };
        default:
          return assertNever(message);
      }
    case MessageType.Ping:
      return { type: message.type };
    case MessageType.Close:
      return {
        type: message.type,
        ...(message.error === undefined ? {} : { error: message.error }),
        ...(message.allowReconnect === undefined ? {} : { allowReconnect: message.allowReconnect }),
      };
    default:
      return assertNever(message);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}

export const jsonProtocol: HubProtocol = {
  name: 'json',
  transferFormat: 'Text',
  isVersionSupported: isSupportedProtocolVersion,

  parse(data, maxMessageBytes, onMessage) {
    let start = 0;
    while (start < data.length) {
      const end = data.indexOf(RECORD_SEPARATOR, start);
      const length = (end === -1 ? data.length : end) - start;
      if (length > maxMessageBytes) throw new ProtocolError(messageTooLargeError(maxMessageBytes));
      // Transports always carry whole records; a trailing fragment is a broken client, not a split.
      if (end === -1) throw new ProtocolError('Message is incomplete.');
      let value: unknown;
      try {
        value = JSON.parse(data.toString('utf8', start, end));
      } catch {
        throw new ProtocolError('Message is not valid JSON.');
      }
      onMessage(toInboundMessage(value));
      start = end + 1;
    }
  },

  encode(message) {
    return Buffer.from(JSON.stringify(toJsonRecord(message)) + RECORD_SEPARATOR_CHAR, 'utf8');
  },
};
