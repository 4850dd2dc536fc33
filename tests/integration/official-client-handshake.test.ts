/**
 * The official client under a late handshake (tests/helpers/official-client.ts): a relay that answers
 * "Handshake was not received in time." while the client's handshake POST is still out. Without the
 * helper the client rejects a promise nothing awaits yet, and vitest fails this file on the unhandled
 * rejection; with it, `start()` fails with the same error and nothing escapes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransportType, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs } from '../helpers/hub-client';
import {
  settleHandshakeRejections,
  settleHandshakeRejectionsOfEveryClient,
} from '../helpers/official-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

const RS = '\u001e';
const LATE = 'Handshake was not received in time.';

/**
 * Negotiates SSE, then answers the handshake with an error on the stream while holding the handshake
 * POST for a second: what a relay resumed after a stall does.
 */
function lateHandshakeRelay(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path.endsWith('/negotiate')) {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          negotiateVersion: 1,
          connectionId: 'late',
          connectionToken: 'late-token',
          availableTransports: [{ transport: 'ServerSentEvents', transferFormats: ['Text'] }],
        }),
      );
    } else if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(':\n\n');
      setTimeout(() => res.write(`data: ${JSON.stringify({ error: LATE })}${RS}\n\n`), 200);
    } else if (req.method === 'POST') {
      req.resume();
      setTimeout(() => res.end(), 1_000);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('the official client when the handshake error beats the handshake POST', () => {
  let late: Server;
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    late = await lateHandshakeRelay();
    process.on('unhandledRejection', record);
  });
  afterAll(() => {
    process.off('unhandledRejection', record);
    late.closeAllConnections();
    late.close();
  });
  afterEach(() => {
    unhandled.length = 0;
  });

  it('start() fails with the relay’s reason and no rejection escapes', async () => {
    const { port } = late.address() as AddressInfo;
    const connection = new HubConnectionBuilder()
      .withUrl(`http://127.0.0.1:${port}/hubs/worklist`, {
        transport: HttpTransportType.ServerSentEvents,
        EventSource,
      } as never)
      .configureLogging(LogLevel.None)
      .build();
    settleHandshakeRejections(connection);
    await expect(connection.start()).rejects.toThrow(`Server returned handshake error: ${LATE}`);
    // Past the POST's answer, when the client finally looks at its handshake promise.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(unhandled).toEqual([]);
    expect(connection.state).toBe('Disconnected');
  });

  describe('against a real relay', () => {
    let relay: TestRelay;
    beforeAll(async () => {
      relay = await startTestRelay();
    });
    afterAll(() => relay?.stop());

    it('every client built while it is in force still connects and syncs', async () => {
      const end = settleHandshakeRejectionsOfEveryClient();
      try {
        for (const transport of ['WebSockets', 'ServerSentEvents', 'LongPolling'] as const) {
          const client = await connectAs(relay.url, 'nurse-okafor', { transport });
          try {
            const ingest = await devToken(relay.url, 'integration-engine');
            const id = `settled-${transport}`;
            expect((await postEvents(relay.url, ingest, [routed(id, 1)])).status).toBe(202);
            const page = await client.syncAll(0);
            expect(page.tasks.has(id)).toBe(true);
          } finally {
            await client.stop();
          }
        }
      } finally {
        end();
      }
      expect(unhandled).toEqual([]);
    });
  });
});
