/**
 * `<entity>/$management`: the request/response operations the SDK sends on a link pair. Every reply
 * carries `statusCode` (the SDK reads 204 from exactly that key for "no messages to peek").
 */
import { readLong, readUuid, rhea, uuidToBytes, type AmqpMessage } from './amqp';
import type { MessageEntity, Settlement } from './entity';

export interface ManagementReply {
  statusCode: number;
  description: string;
  errorCondition?: string;
  body?: unknown;
}

const OK: ManagementReply = { statusCode: 200, description: 'OK' };

function lockLost(): ManagementReply {
  return {
    statusCode: 410,
    description:
      'The lock supplied is invalid. Either the lock expired, or the message has already been removed.',
    errorCondition: 'com.microsoft:message-lock-lost',
  };
}

function badRequest(description: string): ManagementReply {
  return { statusCode: 400, description, errorCondition: 'amqp:invalid-field' };
}

export function handleManagement(entity: MessageEntity, request: AmqpMessage): ManagementReply {
  const operation = String(request.application_properties?.operation ?? '');
  const body = (request.body ?? {}) as Record<string, unknown>;
  switch (operation) {
    case 'com.microsoft:renew-lock':
      return renewLock(entity, body);
    case 'com.microsoft:renew-session-lock':
      return renewSessionLock(entity, body);
    case 'com.microsoft:update-disposition':
      return updateDisposition(entity, body);
    case 'com.microsoft:peek-message':
      return peek(entity, body);
    case 'com.microsoft:receive-by-sequence-number':
      return receiveBySequenceNumber(entity, body);
    default:
      return {
        statusCode: 501,
        description: `The test broker does not implement ${operation || 'this operation'}.`,
        errorCondition: 'amqp:not-implemented',
      };
  }
}

function lockTokens(body: Record<string, unknown>): string[] | null {
  const raw = body['lock-tokens'];
  if (!Array.isArray(raw)) return null;
  const tokens = raw.map(readUuid);
  return tokens.every((t): t is string => t !== null) ? tokens : null;
}

function renewLock(entity: MessageEntity, body: Record<string, unknown>): ManagementReply {
  const tokens = lockTokens(body);
  if (!tokens) return badRequest('lock-tokens must be an array of uuids.');
  const expirations: Date[] = [];
  for (const token of tokens) {
    const until = entity.renew(token);
    if (until === null) return lockLost();
    expirations.push(new Date(until));
  }
  return { ...OK, body: { expirations } };
}

function renewSessionLock(entity: MessageEntity, body: Record<string, unknown>): ManagementReply {
  const sessionId = body['session-id'];
  if (typeof sessionId !== 'string') return badRequest('session-id must be a string.');
  const until = entity.renewSession(sessionId);
  if (until === null) {
    return {
      statusCode: 410,
      description: `The session lock for '${sessionId}' has expired or is held by no receiver.`,
      errorCondition: 'com.microsoft:session-lock-lost',
    };
  }
  return { ...OK, body: { expiration: new Date(until) } };
}

function updateDisposition(entity: MessageEntity, body: Record<string, unknown>): ManagementReply {
  const tokens = lockTokens(body);
  if (!tokens) return badRequest('lock-tokens must be an array of uuids.');
  const properties = body['properties-to-modify'] as Record<string, unknown> | undefined;
  let settlement: Settlement;
  switch (body['disposition-status']) {
    case 'completed':
      settlement = { kind: 'complete' };
      break;
    case 'abandoned':
      settlement = { kind: 'abandon', properties };
      break;
    case 'defered': // sic: the SDK's spelling, and the service's
      settlement = { kind: 'defer', properties };
      break;
    case 'suspended':
      settlement = {
        kind: 'dead-letter',
        reason: body['deadletter-reason'] as string | undefined,
        description: body['deadletter-description'] as string | undefined,
        properties,
      };
      break;
    default:
      return badRequest(`disposition-status ${String(body['disposition-status'])} is not known.`);
  }
  for (const token of tokens) if (!entity.settle(token, settlement)) return lockLost();
  return OK;
}

function peek(entity: MessageEntity, body: Record<string, unknown>): ManagementReply {
  const from = readLong(body['from-sequence-number']) ?? 1;
  const count = readLong(body['message-count']) ?? 1;
  const messages = entity.peek(from, count);
  if (messages.length === 0) return { statusCode: 204, description: 'No messages to peek.' };
  return { ...OK, body: { messages: messages.map((message) => ({ message })) } };
}

function receiveBySequenceNumber(entity: MessageEntity, body: Record<string, unknown>): ManagementReply {
  const raw = body['sequence-numbers'];
  if (!Array.isArray(raw)) return badRequest('sequence-numbers must be an array of longs.');
  const numbers = raw.map(readLong).filter((n): n is number => n !== null);
  const received = entity.receiveDeferred(numbers);
  if (received.length === 0) {
    return {
      statusCode: 404,
      description: 'The messages were not found or are not deferred.',
      errorCondition: 'com.microsoft:message-not-found',
    };
  }
  return {
    ...OK,
    body: {
      messages: received.map((r) => ({
        'lock-token': rhea.types.wrap_uuid(uuidToBytes(r.lockToken)),
        message: r.message,
      })),
    },
  };
}
