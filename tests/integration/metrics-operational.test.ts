import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../../server/src/http/router';
import {
  connectionsByTransport,
  createOperationalMetrics,
  outboxDepthOf,
  registerMetricsRoute,
  type OperationalMetrics,
} from '../../server/src/metrics';
import { routed } from '../helpers/events';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * The scrape-time callbacks against a real relay: live connections of the official client on each
 * transport, and the outbox filling as staff act (no Service Bus here, so nothing drains it). The
 * route is served by its own Router: relay.ts is wired by the composition root.
 */
describe('/metrics callbacks against a real relay', () => {
  let relay: TestRelay;
  let metrics: OperationalMetrics;
  let server: Server;
  let url: string;
  const clients: WorklistClient[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    metrics = createOperationalMetrics({
      connections: () => connectionsByTransport(relay.relay.hub.connections()),
      outboxDepth: outboxDepthOf(relay.relay.store),
      processMetrics: false,
    });
    const router = new Router();
    registerMetricsRoute(router, metrics);
    server = createServer((req, res) => {
      const route = router.match(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
      if (!route || route === 'method-not-allowed') return void res.writeHead(404).end();
      void route.handler(req, res, route.params);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ingest = await devToken(relay.url, 'integration-engine');
    expect((await postEvents(relay.url, ingest, [routed('m1', 1), routed('m2', 1)])).status).toBe(202);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await new Promise((resolve) => server?.close(resolve));
    await relay?.stop();
  });

  async function scrape(): Promise<string> {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  }
  const sample = (text: string, line: string) => text.split('\n').find((l) => l.startsWith(`${line} `));

  it('counts live hub connections per transport', async () => {
    expect(sample(await scrape(), 'wardline_hub_connections{transport="WebSockets"}')).toBe(
      'wardline_hub_connections{transport="WebSockets"} 0',
    );
    clients.push(
      await connectAs(relay.url, 'nurse-okafor', { transport: 'WebSockets' }),
      await connectAs(relay.url, 'nurse-brightwater', { transport: 'WebSockets', protocol: 'messagepack' }),
      await connectAs(relay.url, 'charge-4w-marchbank', { transport: 'ServerSentEvents' }),
      await connectAs(relay.url, 'coordinator-sorrel', { transport: 'LongPolling' }),
    );
    const text = await scrape();
    expect(sample(text, 'wardline_hub_connections{transport="WebSockets"}')).toMatch(/ 2$/);
    expect(sample(text, 'wardline_hub_connections{transport="ServerSentEvents"}')).toMatch(/ 1$/);
    expect(sample(text, 'wardline_hub_connections{transport="LongPolling"}')).toMatch(/ 1$/);

    await clients.pop()!.stop();
    const after = await eventuallyAsync(async () => {
      const t = await scrape();
      return sample(t, 'wardline_hub_connections{transport="LongPolling"}')?.endsWith(' 0') ? t : false;
    });
    expect(sample(after, 'wardline_hub_connections{transport="WebSockets"}')).toMatch(/ 2$/);
  });

  it('reports the outbox depth as staff actions queue events for upstream', async () => {
    const depth = async () => Number(sample(await scrape(), 'wardline_outbox_depth')?.split(' ')[1]);
    const before = await depth();
    const nurse = clients[0]!;
    expect((await nurse.execute('m1', 'claim')).status).toBe('applied');
    expect((await nurse.execute('m2', 'claim')).status).toBe('applied');
    expect(await depth()).toBe(before + 2);
  });
});

async function eventuallyAsync<T>(check: () => Promise<T | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
