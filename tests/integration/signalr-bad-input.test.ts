/**
 * Malformed input closes only the connection that sent it, with a clear error and one warning in the
 * log (connection id, no payload), while a witness connection keeps working. Input ASP.NET answers
 * rather than closes on (unknown method, streaming) gets a completion instead.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { HubConnection } from '@microsoft/signalr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WARN, connectClient, eventually, startHarness, type Harness } from '../helpers/signalr-harness';
import {
  RS,
  connectRawSocket,
  jsonRecord,
  msgpackRecord,
  openRawSocket,
  varint,
  type RawSocket,
} from '../helpers/signalr-raw';

const MAX_MESSAGE_BYTES = 4_096;
const MAX_FRAME_BYTES = 16_384;
/** Put into every bad payload: it must never show up in a log line. */
const MARKER = 'PAYLOAD-MARKER-7f3a';

let harness: Harness;
let witness: HubConnection;
let witnessCalls = 0;

beforeAll(async () => {
  harness = await startHarness({
    limits: {
      maxMessageBytes: MAX_MESSAGE_BYTES,
      maxFrameBytes: MAX_FRAME_BYTES,
      handshakeTimeoutMs: 500,
      keepAliveIntervalMs: 200,
      clientTimeoutMs: 1_000,
    },
  });
  witness = await connectClient(harness, {
    user: 'witness',
    transport: 'WebSockets',
    keepAliveIntervalMs: 200,
  });
});

afterEach(async () => {
  // The connection next door is never disturbed.
  witnessCalls++;
  await expect(witness.invoke('add', witnessCalls, 1)).resolves.toBe(witnessCalls + 1);
});

afterAll(async () => {
  await witness.stop();
  await harness.close();
});

function framed(bytes: number[]): Buffer {
  return Buffer.from([...varint(bytes.length), ...bytes]);
}

function warningsFor(connectionId: string | undefined): Array<Record<string, unknown>> {
  return harness.logs.filter((line) => line.level === WARN && line.connectionId === connectionId);
}

async function expectClosedWith(socket: RawSocket, error: RegExp): Promise<void> {
  const closed = await socket.closed;
  expect(closed.code).toBe(1000);
  const close = socket.closeMessage();
  expect(close?.error).toMatch(/^Connection closed with an error\. /);
  expect(close?.error).toMatch(error);
  expect(close?.allowReconnect).toBeFalsy();
  await delay(20);
  const warnings = warningsFor(socket.connectionId);
  expect(warnings).toHaveLength(1);
  expect(JSON.stringify(warnings)).not.toContain(MARKER);
  expect(harness.logText()).not.toContain(MARKER);
}

describe('malformed hub messages close only that connection (JSON)', () => {
  it.each([
    ['invalid JSON', `{"type":1,"target":"${MARKER}",${RS}`, /not valid JSON/],
    ['an empty record', RS, /not valid JSON/],
    ['a record that is not an object', `["${MARKER}"]${RS}`, /must be a JSON object/],
    ['an unknown message type', `{"type":99,"x":"${MARKER}"}${RS}`, /Unknown message type: 99/],
    ['a missing type', `{"target":"${MARKER}"}${RS}`, /'type'/],
    [
      'an invocation without target',
      `{"type":1,"invocationId":"1","arguments":["${MARKER}"]}${RS}`,
      /'target'/,
    ],
    ['an invocation with an empty target', `{"type":1,"target":"","arguments":[]}${RS}`, /'target'/],
    [
      'arguments that are not an array',
      `{"type":1,"target":"echo","arguments":"${MARKER}"}${RS}`,
      /'arguments'/,
    ],
    [
      'a numeric invocation id',
      `{"type":1,"invocationId":5,"target":"echo","arguments":[]}${RS}`,
      /'invocationId'/,
    ],
    ['bad headers', `{"type":1,"headers":{"a":1},"target":"echo","arguments":[]}${RS}`, /'headers'/],
    [
      'a completion with result and error',
      `{"type":3,"invocationId":"1","result":1,"error":"${MARKER}"}${RS}`,
      /mutually exclusive/,
    ],
    ['a record without separator', `{"type":6,"m":"${MARKER}"}`, /incomplete/],
    ['a valid record followed by garbage', `{"type":6}${RS}${MARKER}`, /incomplete/],
    [
      'an oversized record',
      jsonRecord({ type: 1, target: 'echo', arguments: [MARKER + 'x'.repeat(MAX_MESSAGE_BYTES)] }),
      /exceeds the maximum size of 4096 bytes/,
    ],
  ])('%s', async (_name, frame, error) => {
    const socket = await connectRawSocket(harness);
    socket.send(frame);
    await expectClosedWith(socket, error);
  });
});

describe('malformed hub messages close only that connection (MessagePack)', () => {
  const body = msgpackRecord([1, {}, '1', MARKER, []]).subarray(1);
  it.each([
    [
      'a length prefix longer than 5 bytes',
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      /length prefix/,
    ],
    ['a length prefix over 2 GB', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), /length prefix/],
    ['a length beyond the frame', Buffer.concat([Buffer.from(varint(200)), body]), /incomplete/],
    ['a truncated length prefix', Buffer.from([0x80]), /incomplete/],
    ['a zero length', Buffer.from([0x00]), /Empty message/],
    ['a body that is not MessagePack', Buffer.from([0x02, 0xc1, 0xc1]), /not valid MessagePack/],
    [
      'extra bytes inside a record',
      Buffer.concat([Buffer.from([body.length + 1]), body, Buffer.from([0x01])]),
      /not valid MessagePack/,
    ],
    ['a record that is not an array', msgpackRecord({ type: 1, target: MARKER }), /non-empty array/],
    ['an empty array', msgpackRecord([]), /non-empty array/],
    ['an invocation with 4 elements', msgpackRecord([1, {}, '1', MARKER]), /Invalid payload for Invocation/],
    ['an invocation with a non-string target', msgpackRecord([1, {}, '1', 42, []]), /'target'/],
    ['headers that are not a map', msgpackRecord([1, [MARKER], '1', 'echo', []]), /headers/],
    ['an unknown message type', msgpackRecord([42, MARKER]), /Unknown message type: 42/],
    ['a bad completion kind', msgpackRecord([3, {}, '1', 9, MARKER]), /result kind/],
    [
      'a __proto__ key',
      framed([
        0x95,
        0x01,
        0x81,
        0xa9,
        ...Buffer.from('__proto__'),
        0xa1,
        0x78,
        0xc0,
        0xa4,
        ...Buffer.from('echo'),
        0x90,
      ]),
      /not valid MessagePack/,
    ],
    [
      'an oversized record',
      msgpackRecord([1, {}, '1', 'echo', [MARKER + 'x'.repeat(MAX_MESSAGE_BYTES)]]),
      /exceeds the maximum size/,
    ],
  ])('%s', async (_name, frame, error) => {
    const socket = await connectRawSocket(harness, { protocol: 'messagepack' });
    socket.send(frame);
    await expectClosedWith(socket, error);
  });
});

describe('bad handshakes are answered with an error, then closed', () => {
  it.each([
    ['not JSON', `{${MARKER}${RS}`, /not valid JSON/],
    [
      'an unknown protocol',
      jsonRecord({ protocol: 'xml', version: 1 }),
      /Requested protocol 'xml' is not available/,
    ],
    ['an unsupported version', jsonRecord({ protocol: 'json', version: 99 }), /does not support version 99/],
    ['a missing version', jsonRecord({ protocol: 'json' }), /'version'/],
    ['no separator', `{"protocol":"json","version":1,"m":"${MARKER}"}`, /incomplete/],
    ['binary noise', Buffer.from([0x00, 0xff, 0x1e]), /not valid JSON/],
    [
      'an oversized handshake',
      jsonRecord({ protocol: 'json', version: 1, pad: 'x'.repeat(MAX_MESSAGE_BYTES) }),
      /maximum size/,
    ],
  ])('%s', async (_name, frame, error) => {
    const socket = await openRawSocket(harness);
    socket.send(frame);
    const closed = await socket.closed;
    expect(closed.code).toBe(1000);
    const answer = socket.records[0] as { error?: string } | undefined;
    expect(answer?.error).toMatch(error);
    expect(socket.records).toHaveLength(1);
    await delay(20);
    expect(warningsFor(socket.connectionId)).toHaveLength(1);
    expect(harness.logText()).not.toContain(MARKER);
  });

  it('closes a connection that sends no handshake in time', async () => {
    const socket = await openRawSocket(harness);
    const started = Date.now();
    await socket.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(socket.records).toEqual([{ error: 'Handshake was not received in time.' }]);
  });
});

describe('frames over the size limit', () => {
  it('are refused by the WebSocket layer with 1009 and logged once', async () => {
    const socket = await connectRawSocket(harness);
    socket.send(`${jsonRecord({ type: 6 })}`.repeat(MAX_FRAME_BYTES / 10));
    expect((await socket.closed).code).toBe(1009);
    await eventually(() => warningsFor(socket.connectionId).length === 1, 1_000, 'one warning');
  });

  it('are refused in a POST with 413 and close the connection', async () => {
    const { negotiateToken } = await import('../helpers/signalr-raw');
    const { token, id } = await negotiateToken(harness);
    const url = `${harness.hubUrl}?id=${token}`;
    const headers = { Authorization: 'Bearer user:alice' };
    await fetch(url, { headers });
    await fetch(url, { method: 'POST', headers, body: jsonRecord({ protocol: 'json', version: 1 }) });
    const post = await fetch(url, { method: 'POST', headers, body: 'x'.repeat(MAX_FRAME_BYTES + 1) });
    expect(post.status).toBe(413);
    expect(harness.signalr.connection(id)).toBeUndefined();
    const poll = await fetch(url, { headers });
    expect(await poll.text()).toBe(
      `{}${RS}${jsonRecord({ type: 7, error: `Connection closed with an error. Message exceeds the maximum size of ${MAX_FRAME_BYTES} bytes.` })}`,
    );
    expect((await fetch(url, { method: 'DELETE', headers })).status).toBe(202);
  });
});

describe('input that is answered, not closed', () => {
  it.each(['json', 'messagepack'] as const)(
    'over %s: unknown methods, streams, cancels, pings and client results',
    async (protocol) => {
      const socket = await connectRawSocket(harness, { protocol });
      const send = (json: unknown, pack: unknown[]): void =>
        socket.send(protocol === 'json' ? jsonRecord(json) : msgpackRecord(pack));

      send({ type: 1, invocationId: 'u', target: 'nope', arguments: [] }, [1, {}, 'u', 'nope', []]);
      expect(await socket.completion('u')).toMatchObject({ error: "Unknown hub method 'nope'" });
      // Fire-and-forget of an unknown method: silence, as in ASP.NET.
      send({ type: 1, target: 'nope', arguments: [] }, [1, {}, null, 'nope', []]);
      send({ type: 4, invocationId: 's', target: 'echo', arguments: [1] }, [4, {}, 's', 'echo', [1]]);
      expect((await socket.completion('s')).error).toMatch(/Streaming hub methods are not supported/);
      send({ type: 1, invocationId: 'up', target: 'echo', arguments: [], streamIds: ['9'] }, [
        1,
        {},
        'up',
        'echo',
        [],
        ['9'],
      ]);
      expect((await socket.completion('up')).error).toMatch(/Client-to-server streaming is not supported/);
      send({ type: 5, invocationId: 's' }, [5, {}, 's']);
      send({ type: 2, invocationId: '9', item: 1 }, [2, {}, '9', 1]);
      send({ type: 3, invocationId: 'x', result: 1 }, [3, {}, 'x', 3, 1]);
      send({ type: 8, sequenceId: 1 }, [8, 1]);
      send({ type: 6 }, [6]);
      // The 6-element form .NET clients send, with empty streamIds.
      send({ type: 1, invocationId: 'ok', target: 'ADD', arguments: [40, 2], streamIds: [] }, [
        1,
        {},
        'ok',
        'ADD',
        [40, 2],
        [],
      ]);
      expect((await socket.completion('ok')).result).toBe(42);
      expect(socket.messages().filter((r) => (Array.isArray(r) ? r[0] === 3 : r.type === 3))).toHaveLength(4);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      expect(warningsFor(socket.connectionId)).toHaveLength(0);
      socket.close();
    },
  );

  it('processes several records of one frame in order', async () => {
    const socket = await connectRawSocket(harness);
    socket.send(
      [1, 2, 3]
        .map((n) => jsonRecord({ type: 1, invocationId: String(n), target: 'echo', arguments: [n] }))
        .join(''),
    );
    await socket.completion('3');
    const ids = socket.messages().map((r) => (r as { invocationId?: string }).invocationId);
    expect(ids).toEqual(['1', '2', '3']);
    socket.close();
  });

  it('ends quietly when the client sends Close', async () => {
    const socket = await connectRawSocket(harness);
    socket.send(jsonRecord({ type: 7 }));
    expect((await socket.closed).code).toBe(1000);
    expect(socket.closeMessage()).toBeUndefined();
    expect(warningsFor(socket.connectionId)).toHaveLength(0);
  });
});

describe('keep-alive', () => {
  it('pings a quiet client and closes one that stays silent past the client timeout', async () => {
    const socket = await connectRawSocket(harness);
    const started = Date.now();
    const closed = await socket.closed;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2_500);
    expect(closed.code).toBe(1000);
    const pings = socket.messages().filter((r) => !Array.isArray(r) && r.type === 6);
    expect(pings.length).toBeGreaterThanOrEqual(3);
    expect(socket.closeMessage()).toEqual({
      type: 7,
      error: 'Server timeout elapsed without receiving a message from the client.',
      allowReconnect: true,
    });
  });

  it('keeps a client that pings', async () => {
    const socket = await connectRawSocket(harness);
    const timer = setInterval(() => socket.send(jsonRecord({ type: 6 })), 200);
    await delay(1_500);
    clearInterval(timer);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  });
});
