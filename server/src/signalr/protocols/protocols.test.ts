/**
 * The server codecs against the official client's own codecs, in both directions: what we write, the
 * client reads; what the client writes, we read.
 */
import {
  JsonHubProtocol,
  MessageType as ClientMessageType,
  NullLogger,
  type HubMessage,
} from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors';
import { parseHandshake } from './handshake';
import { jsonProtocol } from './json';
import { MessageType, type HubProtocol, type InboundMessage, type OutboundMessage } from './messages';
import { messagePackProtocol, readLengthPrefix, writeLengthPrefix } from './msgpack';

const clients = [
  { server: jsonProtocol, client: new JsonHubProtocol() },
  { server: messagePackProtocol, client: new MessagePackHubProtocol() },
] as const;

function parseAll(protocol: HubProtocol, data: Buffer, max = 65_536): InboundMessage[] {
  const messages: InboundMessage[] = [];
  protocol.parse(data, max, (m) => messages.push(m));
  return messages;
}

function clientRead(client: JsonHubProtocol | MessagePackHubProtocol, bytes: Buffer): HubMessage[] {
  // What the browser hands the client: a string for text frames, an ArrayBuffer for binary ones.
  const input =
    client instanceof JsonHubProtocol
      ? bytes.toString('utf8')
      : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  return client.parseMessages(input as string & ArrayBuffer, NullLogger.instance);
}

describe.each(clients)('$server.name codec', ({ server, client }) => {
  const outbound: Array<[string, OutboundMessage, Partial<HubMessage>]> = [
    [
      'invocation',
      { type: MessageType.Invocation, target: 'taskChanged', arguments: [{ id: 't', n: 1 }] },
      { type: ClientMessageType.Invocation, target: 'taskChanged', arguments: [{ id: 't', n: 1 }] },
    ],
    [
      'result',
      { type: MessageType.Completion, invocationId: '7', outcome: 'result', result: [1, 'a'] },
      { type: ClientMessageType.Completion, invocationId: '7', result: [1, 'a'] },
    ],
    [
      'null result',
      { type: MessageType.Completion, invocationId: '7', outcome: 'result', result: null },
      { type: ClientMessageType.Completion, invocationId: '7', result: null },
    ],
    [
      'void',
      { type: MessageType.Completion, invocationId: '8', outcome: 'void' },
      { type: ClientMessageType.Completion, invocationId: '8' },
    ],
    [
      'error',
      { type: MessageType.Completion, invocationId: '9', outcome: 'error', error: 'No.' },
      { type: ClientMessageType.Completion, invocationId: '9', error: 'No.' },
    ],
    ['ping', { type: MessageType.Ping }, { type: ClientMessageType.Ping }],
    [
      'close',
      { type: MessageType.Close, error: 'Bye.', allowReconnect: true },
      { type: ClientMessageType.Close, error: 'Bye.', allowReconnect: true },
    ],
  ];

  it.each(outbound)('writes a %s the official client reads', (_name, message, expected) => {
    const [read] = clientRead(client, server.encode(message));
    expect(read).toMatchObject(expected);
  });

  it('writes records the client splits when several share a frame', () => {
    const frame = Buffer.concat(
      [1, 2, 3].map((n) => server.encode({ type: MessageType.Invocation, target: 'n', arguments: [n] })),
    );
    expect(clientRead(client, frame).map((m) => (m as { arguments: unknown[] }).arguments[0])).toEqual([
      1, 2, 3,
    ]);
  });

  it('reads what the official client writes, several records per frame', () => {
    const written = [
      client.writeMessage({
        type: ClientMessageType.Invocation,
        invocationId: '0',
        target: 'execute',
        arguments: [{ a: 1 }],
        streamIds: [],
      }),
      client.writeMessage({
        type: ClientMessageType.Invocation,
        target: 'fire',
        arguments: [],
        streamIds: [],
      }),
      client.writeMessage({
        type: ClientMessageType.StreamInvocation,
        invocationId: '1',
        target: 's',
        arguments: [2],
        streamIds: [],
      }),
      client.writeMessage({ type: ClientMessageType.CancelInvocation, invocationId: '1' }),
      client.writeMessage({ type: ClientMessageType.Ping }),
    ];
    const frame = Buffer.concat(
      written.map((w) => (typeof w === 'string' ? Buffer.from(w) : Buffer.from(w))),
    );
    const messages = parseAll(server, frame);
    expect(messages.map((m) => m.type)).toEqual([1, 1, 4, 5, 6]);
    expect(messages[0]).toMatchObject({ invocationId: '0', target: 'execute', arguments: [{ a: 1 }] });
    expect(messages[1]).not.toHaveProperty('invocationId');
  });

  it('refuses a record over the size limit before decoding it', () => {
    const big = server.encode({ type: MessageType.Invocation, target: 'x', arguments: ['y'.repeat(200)] });
    expect(() => parseAll(server, big, 100)).toThrow(ProtocolError);
    expect(() => parseAll(server, big, 100)).toThrow('Message exceeds the maximum size of 100 bytes.');
  });
});

describe('MessagePack length prefix', () => {
  it.each([0, 1, 127, 128, 16_383, 16_384, 2 ** 21, 2 ** 31 - 1])('round-trips %i', (length) => {
    const bytes = writeLengthPrefix(length);
    expect(readLengthPrefix(Uint8Array.from(bytes), 0)).toEqual([length, bytes.length]);
  });

  it.each([
    ['six bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['over 2 GB', [0xff, 0xff, 0xff, 0xff, 0x08]],
    ['truncated', [0x80]],
  ])('refuses %s', (_name, bytes) => {
    expect(() => readLengthPrefix(Uint8Array.from(bytes), 0)).toThrow(ProtocolError);
  });
});

describe('handshake', () => {
  const options = {
    maxMessageBytes: 1024,
    enabled: ['json', 'messagepack'] as const,
    transferFormats: ['Text', 'Binary'] as const,
  };

  it('picks the protocol and keeps the bytes after the separator', () => {
    const data = Buffer.concat([
      Buffer.from('{"protocol":"messagepack","version":1}\x1e'),
      Buffer.from([0x02, 0x91, 0x06]),
    ]);
    const result = parseHandshake(data, options);
    expect(result.ok && result.protocol.name).toBe('messagepack');
    expect(result.ok && [...result.rest]).toEqual([0x02, 0x91, 0x06]);
  });

  it('refuses a binary protocol on a text-only transport', () => {
    const result = parseHandshake(Buffer.from('{"protocol":"messagepack","version":1}\x1e'), {
      ...options,
      transferFormats: ['Text'],
    });
    expect(result).toEqual({
      ok: false,
      error:
        "Cannot use the 'messagepack' protocol on the current transport. The transport does not support 'Binary' transfer format.",
    });
  });

  it('does not treat inherited keys as protocol names', () => {
    const result = parseHandshake(Buffer.from('{"protocol":"constructor","version":1}\x1e'), options);
    expect(result).toEqual({ ok: false, error: "Requested protocol 'constructor' is not available." });
  });
});
