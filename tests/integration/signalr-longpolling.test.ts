/**
 * Long-polling semantics with raw fetch: the immediate first poll, held polls, several records per
 * answer, 204 once closed, DELETE, and dropping a client that stops polling.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { decode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, tokenFor, type Harness } from '../helpers/signalr-harness';
import { RS, jsonRecord, msgpackRecord, negotiateToken } from '../helpers/signalr-raw';

const HOLD_MS = 800;
const DROP_MS = 600;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ limits: { longPollHoldMs: HOLD_MS, longPollDropMs: DROP_MS } });
});

afterAll(async () => {
  await harness.close();
});

const auth = { Authorization: `Bearer ${tokenFor('alice')}` };

interface Poller {
  id: string;
  url: string;
  poll(): Promise<Response>;
  post(body: string | Buffer): Promise<Response>;
}

async function longPolling(protocol: 'json' | 'messagepack' = 'json'): Promise<Poller> {
  const { id, token } = await negotiateToken(harness);
  const url = `${harness.hubUrl}?id=${token}`;
  const poller: Poller = {
    id,
    url,
    poll: () => fetch(`${url}&_=${Date.now()}`, { headers: auth }),
    post: (body) =>
      fetch(url, {
        method: 'POST',
        headers: auth,
        body: typeof body === 'string' ? body : new Uint8Array(body),
      }),
  };
  const first = await poller.poll();
  expect(first.status).toBe(200);
  expect((await first.arrayBuffer()).byteLength).toBe(0);
  expect((await poller.post(jsonRecord({ protocol, version: 1 }))).status).toBe(200);
  return poller;
}

function jsonRecords(text: string): unknown[] {
  return text
    .split(RS)
    .filter((part) => part.length > 0)
    .map((part) => JSON.parse(part) as unknown);
}

describe('long polling', () => {
  it('answers the first poll at once, empty, and the next with the handshake answer', async () => {
    const { token } = await negotiateToken(harness);
    const url = `${harness.hubUrl}?id=${token}`;
    const started = Date.now();
    const first = await fetch(url, { headers: auth });
    expect(Date.now() - started).toBeLessThan(HOLD_MS / 2);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/octet-stream');
    expect(first.headers.get('cache-control')).toBe('no-cache, no-store');
    expect(await first.text()).toBe('');
    await fetch(url, { method: 'POST', headers: auth, body: jsonRecord({ protocol: 'json', version: 1 }) });
    const second = await fetch(url, { headers: auth });
    expect(await second.text()).toBe(`{}${RS}`);
  });

  it('holds a poll until there is data, then answers with every record queued', async () => {
    const lp = await longPolling();
    expect(await (await lp.poll()).text()).toBe(`{}${RS}`);
    const held = lp.poll();
    let answered = false;
    void held.then(() => (answered = true));
    await delay(150);
    expect(answered).toBe(false);
    // Three sends in one tick: three records in one poll answer.
    for (const n of [1, 2, 3]) harness.signalr.sendToConnection(lp.id, 'n', n);
    expect(jsonRecords(await (await held).text())).toEqual(
      [1, 2, 3].map((n) => ({ type: 1, target: 'n', arguments: [n] })),
    );
  });

  it('answers every invocation of one POST, in order (each in its own turn, so over one or more polls)', async () => {
    const lp = await longPolling();
    expect(await (await lp.poll()).text()).toBe(`{}${RS}`);
    const body = [1, 2, 3].map((n) =>
      jsonRecord({ type: 1, invocationId: String(n), target: 'add', arguments: [n, n] }),
    );
    expect((await lp.post(body.join(''))).status).toBe(200);
    const records: unknown[] = [];
    while (records.length < 3) records.push(...jsonRecords(await (await lp.poll()).text()));
    expect(records).toEqual([
      { type: 3, invocationId: '1', result: 2 },
      { type: 3, invocationId: '2', result: 4 },
      { type: 3, invocationId: '3', result: 6 },
    ]);
  });

  it('answers a held poll 200 empty after the hold time', async () => {
    const lp = await longPolling();
    await (await lp.poll()).text();
    const started = Date.now();
    const res = await lp.poll();
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOLD_MS - 50);
  });

  it('ends an older poll with 204 when a newer one arrives', async () => {
    const lp = await longPolling();
    await (await lp.poll()).text();
    const older = lp.poll();
    await delay(50);
    const newer = lp.poll();
    expect((await older).status).toBe(204);
    harness.signalr.sendToConnection(lp.id, 'hello', 1);
    expect(jsonRecords(await (await newer).text())).toEqual([{ type: 1, target: 'hello', arguments: [1] }]);
  });

  it('delivers the Close message, then 204, once the server closes', async () => {
    const lp = await longPolling();
    await (await lp.poll()).text();
    harness.signalr.closeConnection(lp.id, { error: 'Going away.', allowReconnect: true });
    const close = await lp.poll();
    expect(close.status).toBe(200);
    expect(jsonRecords(await close.text())).toEqual([
      { type: 7, error: 'Going away.', allowReconnect: true },
    ]);
    expect((await lp.poll()).status).toBe(204);
    expect((await lp.poll()).status).toBe(204);
    expect((await lp.post(jsonRecord({ type: 6 }))).status).toBe(404);
  });

  it('DELETE ends the held poll with 204, answers 202 and forgets the connection', async () => {
    const lp = await longPolling();
    await (await lp.poll()).text();
    const held = lp.poll();
    await delay(50);
    const del = await fetch(lp.url, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(202);
    expect((await held).status).toBe(204);
    expect(harness.signalr.connection(lp.id)).toBeUndefined();
    expect((await lp.poll()).status).toBe(404);
    // Repeating the DELETE is harmless (the client ignores 404 there).
    expect((await fetch(lp.url, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('drops a client that stops polling', async () => {
    const lp = await longPolling();
    await (await lp.poll()).text();
    expect(harness.signalr.connection(lp.id)).toBeDefined();
    await eventually(
      () => harness.signalr.connection(lp.id) === undefined,
      DROP_MS * 4,
      'the silent client to be dropped',
    );
    expect((await lp.poll()).status).toBe(404);
  });

  it('concatenates MessagePack records in one binary answer', async () => {
    const lp = await longPolling('messagepack');
    const handshake = Buffer.from(await (await lp.poll()).arrayBuffer());
    expect(handshake.toString('utf8')).toBe(`{}${RS}`);
    const body = Buffer.concat([
      msgpackRecord([1, {}, 'a', 'add', [1, 2]]),
      msgpackRecord([1, {}, 'b', 'echo', ['x']]),
    ]);
    expect((await lp.post(body)).status).toBe(200);
    const answer = Buffer.from(await (await lp.poll()).arrayBuffer());
    // [len][3, {}, 'a', 3, 3] [len][3, {}, 'b', 3, 'x']
    const firstLength = answer[0] as number;
    expect(decode(answer.subarray(1, 1 + firstLength))).toEqual([3, {}, 'a', 3, 3]);
    const rest = answer.subarray(1 + firstLength);
    expect(decode(rest.subarray(1, 1 + (rest[0] as number)))).toEqual([3, {}, 'b', 3, 'x']);
  });

  it('refuses POST and DELETE on a WebSocket connection and GET on a negotiated WebSocket', async () => {
    const { default: WebSocket } = await import('ws');
    const { token } = await negotiateToken(harness);
    const ws = new WebSocket(`${harness.hubUrl.replace('http', 'ws')}?id=${token}`, { headers: auth });
    await new Promise((resolve) => ws.once('open', resolve));
    const url = `${harness.hubUrl}?id=${token}`;
    expect((await fetch(url, { method: 'POST', headers: auth, body: 'x' })).status).toBe(405);
    expect((await fetch(url, { method: 'DELETE', headers: auth })).status).toBe(400);
    expect((await fetch(url, { headers: auth })).status).toBe(400);
    ws.terminate();
  });
});
