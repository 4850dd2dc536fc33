/**
 * Slow consumers: a client that stops reading is closed once its queue passes maxBufferedBytes, its
 * memory is released, and healthy clients on the same broadcast get everything.
 */
import { setImmediate as yieldToIo, setTimeout as delay } from 'node:timers/promises';
import type { HubConnection } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WARN,
  connectClient,
  eventually,
  startHarness,
  tokenFor,
  type Harness,
} from '../helpers/signalr-harness';
import { connectRawSocket, jsonRecord, negotiateToken } from '../helpers/signalr-raw';

const MAX_BUFFERED_BYTES = 256 * 1024;
const PAYLOAD = 'x'.repeat(16 * 1024);
/** Far more than loopback socket buffers absorb, so the server's own queue must fill. */
const MAX_BYTES_TO_SEND = 96 * 1024 * 1024;

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ limits: { maxBufferedBytes: MAX_BUFFERED_BYTES, closeTimeoutMs: 300 } });
});

afterAll(async () => {
  await harness.close();
});

/** Broadcasts to `group` until `isClosed()`, yielding so healthy sockets drain; returns what it saw. */
async function floodUntilClosed(
  group: string,
  watchedId: string,
): Promise<{ sent: number; largestBuffered: number; closed: boolean }> {
  let sent = 0;
  let largestBuffered = 0;
  while (sent * PAYLOAD.length < MAX_BYTES_TO_SEND) {
    const watched = harness.signalr.connection(watchedId);
    if (!watched) return { sent, largestBuffered, closed: true };
    largestBuffered = Math.max(largestBuffered, watched.bufferedBytes);
    harness.signalr.sendToGroup(group, 'tick', sent, PAYLOAD);
    sent++;
    if (sent % 4 === 0) await yieldToIo();
  }
  return { sent, largestBuffered, closed: false };
}

describe('a slow consumer', () => {
  it('over WebSockets is closed, its buffer stays bounded, and a healthy client gets everything', async () => {
    const group = 'flood-ws';
    const slow = await connectRawSocket(harness, { user: 'slow' });
    slow.invoke('1', 'joinGroup', [group]);
    await slow.completion('1');
    const slowId = [...harness.signalr.connections()].find((c) => c.userId === 'slow')?.id as string;

    const healthy: HubConnection = await connectClient(harness, { user: 'healthy', transport: 'WebSockets' });
    await healthy.invoke('joinGroup', group);
    const ticks: number[] = [];
    healthy.on('tick', (n: number, payload: string) => {
      if (payload.length === PAYLOAD.length) ticks.push(n);
    });

    slow.ws.pause();
    const result = await floodUntilClosed(group, slowId);
    expect(result.closed).toBe(true);
    // Bounded: at most the limit plus the one message that crossed it.
    expect(result.largestBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + PAYLOAD.length + 64);
    expect(harness.signalr.stats().largestBufferedBytes).toBeLessThan(MAX_BUFFERED_BYTES);
    const warnings = harness.logs.filter((l) => l.level === WARN && l.connectionId === slowId);
    expect(warnings.map((w) => w.msg)).toEqual(['signalr: slow consumer, closing connection']);

    // The stalled socket is cut after the close timeout, releasing what was queued for it.
    slow.ws.resume();
    const closed = await Promise.race([slow.closed, delay(3_000).then(() => undefined)]);
    expect(closed).toBeDefined();

    // The healthy client got every message, in order, and is still connected.
    await eventually(() => ticks.length === result.sent, 10_000, 'the healthy client to catch up');
    expect(ticks).toEqual(Array.from({ length: result.sent }, (_, i) => i));
    await expect(healthy.invoke('add', 1, 1)).resolves.toBe(2);
    await healthy.stop();
  });

  it('over long polling is closed when it stops polling while data piles up, and only Close is kept', async () => {
    const group = 'flood-lp';
    const { id, token } = await negotiateToken(harness, 'lazy');
    const url = `${harness.hubUrl}?id=${token}`;
    const headers = { Authorization: `Bearer ${tokenFor('lazy')}` };
    await (await fetch(url, { headers })).text();
    await fetch(url, { method: 'POST', headers, body: jsonRecord({ protocol: 'json', version: 1 }) });
    await fetch(url, {
      method: 'POST',
      headers,
      body: jsonRecord({ type: 1, invocationId: '1', target: 'joinGroup', arguments: [group] }),
    });

    // No poll outstanding: everything queues in the server.
    const result = await floodUntilClosed(group, id);
    expect(result.closed).toBe(true);
    expect(result.sent).toBeLessThanOrEqual(MAX_BUFFERED_BYTES / PAYLOAD.length + 2);
    expect(result.largestBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + PAYLOAD.length + 64);

    // The queue was released: the next poll carries only the Close message, then 204.
    const poll = await fetch(url, { headers });
    expect(await poll.text()).toBe(
      jsonRecord({
        type: 7,
        error: 'Connection closed: the client did not keep up with its messages.',
        allowReconnect: true,
      }),
    );
    expect((await fetch(url, { headers })).status).toBe(204);
    await fetch(url, { method: 'DELETE', headers });
  });

  it('over Server-Sent Events is closed once the response buffer passes the limit', async () => {
    const group = 'flood-sse';
    const { id, token } = await negotiateToken(harness, 'sleepy');
    const url = `${harness.hubUrl}?id=${token}`;
    const headers = { Authorization: `Bearer ${tokenFor('sleepy')}` };
    const controller = new AbortController();
    const stream = await fetch(url, {
      headers: { ...headers, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const reader = stream.body!.getReader();
    await reader.read();
    await fetch(url, { method: 'POST', headers, body: jsonRecord({ protocol: 'json', version: 1 }) });
    await fetch(url, {
      method: 'POST',
      headers,
      body: jsonRecord({ type: 1, invocationId: '1', target: 'joinGroup', arguments: [group] }),
    });
    // The stream is never read again from here on.

    const result = await floodUntilClosed(group, id);
    expect(result.closed).toBe(true);
    expect(result.largestBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + PAYLOAD.length + 64);
    controller.abort();
  });
});

describe('invocation backpressure', () => {
  it('runs a burst of slow invocations one at a time, in order, without timing the client out', async () => {
    const local = await startHarness({
      limits: { maxQueuedInvocations: 4, clientTimeoutMs: 2_000, keepAliveIntervalMs: 500 },
    });
    try {
      const socket = await connectRawSocket(local);
      const started = Date.now();
      const burst = Array.from({ length: 40 }, (_, i) =>
        jsonRecord({ type: 1, invocationId: String(i), target: 'slow', arguments: [10] }),
      ).join('');
      socket.send(burst);
      socket.send(burst.replaceAll('"invocationId":"', '"invocationId":"b'));
      await socket.completion('b39', 10_000);
      // One at a time: 80 invocations of 10 ms cannot finish in much under 800 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(750);
      const ids = socket
        .messages()
        .filter((r) => !Array.isArray(r) && r.type === 3)
        .map((r) => (r as { invocationId: string }).invocationId);
      expect(ids).toEqual([
        ...Array.from({ length: 40 }, (_, i) => String(i)),
        ...Array.from({ length: 40 }, (_, i) => `b${i}`),
      ]);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      socket.close();
    } finally {
      await local.close();
    }
  });
});

describe('outbound framing', () => {
  it.each(['json', 'messagepack'] as const)(
    'coalesces a burst into few WebSocket frames of whole records (%s)',
    async (protocol) => {
      const socket = await connectRawSocket(harness, { protocol, user: 'framing' });
      const id = [...harness.signalr.connections()].find((c) => c.userId === 'framing')?.id as string;
      const framesBefore = socket.frames.length;
      for (let n = 0; n < 10; n++) harness.signalr.sendToConnection(id, 'n', n);
      await socket.waitFor(() => (socket.messages().length >= 10 ? true : undefined));
      const frames = socket.frames.slice(framesBefore);
      // The first goes out at once, the other nine together at the end of the tick.
      expect(frames).toHaveLength(2);
      expect(frames.every((f) => f.binary === (protocol === 'messagepack'))).toBe(true);
      const last = frames[1]?.data as Buffer;
      if (protocol === 'json') expect(last[last.length - 1]).toBe(0x1e);
      const args = socket
        .messages()
        .map((r) =>
          Array.isArray(r) ? (r[4] as unknown[])[0] : (r as { arguments: unknown[] }).arguments[0],
        );
      expect(args).toEqual(Array.from({ length: 10 }, (_, n) => n));
      socket.close();
    },
  );
});
