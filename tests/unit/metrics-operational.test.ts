import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from '../../server/src/http/router';
import {
  connectionsByTransport,
  createOperationalMetrics,
  registerMetricsRoute,
  timeHubMethods,
  type MetricsRouteOptions,
  type OperationalMetrics,
} from '../../server/src/metrics';
import { HubError } from '../../server/src/signalr';

/**
 * A small parser of the Prometheus text exposition format (0.0.4) that rejects any line outside its
 * grammar: `# HELP name text`, `# TYPE name type`, blank lines, and samples
 * `name{label="value",…} value [timestamp]`, each sample belonging to a family declared before it.
 */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  type: string;
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case: prom-client writes `Nan`.
const VALUE =
  '(?:[-+]?(?:\\d+\\.?\\d*(?:[eE][-+]?\\d+)?|\\.\\d+(?:[eE][-+]?\\d+)?)|[-+]?[iI][nN][fF]|[nN][aA][nN])';
const SAMPLE = new RegExp(
  `^(${METRIC_NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
);
const HELP = new RegExp(`^# HELP (${METRIC_NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${METRIC_NAME}) (counter|gauge|histogram|summary|untyped)$`);

function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const help = HELP.exec(line);
    if (help) return void helps.set(help[1]!, help[2]!);
    const type = TYPE.exec(line);
    if (type) {
      if (families.has(type[1]!)) throw new Error(`line ${i + 1}: ${type[1]} declared twice`);
      return void families.set(type[1]!, { type: type[2]!, help: helps.get(type[1]!) ?? null, samples: [] });
    }
    if (line.startsWith('#')) throw new Error(`line ${i + 1}: not a HELP or TYPE comment: ${line}`);
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const name = sample[1]!;
    const family =
      families.get(name) ??
      families.get(name.replace(/_(bucket|sum|count)$/, '')) ??
      (() => {
        throw new Error(`line ${i + 1}: sample ${name} has no TYPE before it`);
      })();
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    const raw = sample[3]!;
    const infinite = /inf$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : null;
    family.samples.push({ name, labels, value: infinite ?? (/nan/i.test(raw) ? NaN : Number(raw)) });
  });
  // Histograms: cumulative buckets ending at +Inf, which equals _count.
  for (const [name, family] of families) {
    if (family.type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of family.samples.filter((s) => s.name === `${name}_bucket`)) {
      const { le: _le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      const counts = buckets.map((b) => b.value);
      if (counts.some((c, i) => i > 0 && c < counts[i - 1]!))
        throw new Error(`${name} buckets not cumulative`);
      if (buckets[buckets.length - 1]?.labels.le !== '+Inf') throw new Error(`${name} lacks a +Inf bucket`);
      const count = family.samples.find(
        (s) => s.name === `${name}_count` && JSON.stringify(s.labels) === key,
      );
      if (count?.value !== counts[counts.length - 1]) throw new Error(`${name} +Inf bucket is not _count`);
    }
  }
  return families;
}

function value(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values())
    for (const s of family.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  return undefined;
}

async function serve(
  metrics: OperationalMetrics,
  options?: MetricsRouteOptions,
): Promise<{ url: string; server: Server }> {
  const router = new Router();
  registerMetricsRoute(router, metrics, options);
  const server = createServer((req, res) => {
    const route = router.match(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
    if (!route || route === 'method-not-allowed') return void res.writeHead(404).end();
    void route.handler(req, res, route.params);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('operational metrics at /metrics', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('serves Prometheus text that parses, with the registry’s content type', async () => {
    const metrics = createOperationalMetrics({
      connections: () => connectionsByTransport([{ transport: 'WebSockets' }, { transport: 'LongPolling' }]),
      outboxDepth: () => 7,
    });
    metrics.messageIn('http', 3);
    metrics.escalationFired(1_500);
    const { url, server } = await serve(metrics);
    servers.push(server);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(await res.text());
    expect(families.get('wardline_hub_connections')).toMatchObject({ type: 'gauge' });
    expect(value(families, 'wardline_hub_connections', { transport: 'WebSockets' })).toBe(1);
    expect(value(families, 'wardline_hub_connections', { transport: 'ServerSentEvents' })).toBe(0);
    expect(value(families, 'wardline_outbox_depth')).toBe(7);
    expect(value(families, 'wardline_messages_in_total', { channel: 'http' })).toBe(3);
    // Node's own process metrics ride along, prefixed.
    expect(families.has('wardline_process_resident_memory_bytes')).toBe(true);
  });

  it('each recorder moves its series', async () => {
    let now = new Date('2026-11-26T08:00:05.000Z');
    const metrics = createOperationalMetrics({ clock: { now: () => now }, processMetrics: false });
    const read = async () => parseExposition(await metrics.exposition());
    const before = await read();
    for (const channel of ['http', 'servicebus', 'demo', 'hub'])
      expect(value(before, 'wardline_messages_in_total', { channel })).toBe(0);
    for (const channel of ['servicebus', 'hub'])
      expect(value(before, 'wardline_messages_out_total', { channel })).toBe(0);
    expect(value(before, 'wardline_messages_out_total', { channel: 'http' })).toBeUndefined();

    metrics.messageIn('servicebus');
    metrics.messageOut('servicebus', 4);
    metrics.messageOut('hub', 12);
    metrics.eventApplied('2026-11-26T08:00:00.000Z'); // 5 s late
    metrics.eventApplied('2026-11-26T09:00:00+01:00'); // the same instant, written with an offset
    now = new Date('2026-11-26T07:59:00.000Z');
    metrics.eventApplied('2026-11-26T08:00:00.000Z'); // the sender's clock runs ahead: lag 0, not negative
    metrics.eventApplied(undefined);
    metrics.deadLettered('InvalidEvent');
    metrics.deadLettered('InvalidEvent');
    metrics.escalationFired(250);
    metrics.hubMethodFinished('execute', 3, 'ok');

    const after = await read();
    expect(value(after, 'wardline_messages_in_total', { channel: 'servicebus' })).toBe(1);
    expect(value(after, 'wardline_messages_out_total', { channel: 'servicebus' })).toBe(4);
    expect(value(after, 'wardline_messages_out_total', { channel: 'hub' })).toBe(12);
    expect(value(after, 'wardline_ingest_lag_seconds_count')).toBe(3);
    expect(value(after, 'wardline_ingest_lag_seconds_sum')).toBe(10);
    expect(value(after, 'wardline_ingest_lag_seconds_bucket', { le: '0.05' })).toBe(1);
    expect(value(after, 'wardline_ingest_lag_seconds_bucket', { le: '5' })).toBe(3);
    expect(value(after, 'wardline_dead_letters_total', { reason: 'InvalidEvent' })).toBe(2);
    expect(value(after, 'wardline_escalation_timer_lag_seconds_sum')).toBe(0.25);
    expect(
      value(after, 'wardline_hub_method_duration_seconds_count', { method: 'execute', outcome: 'ok' }),
    ).toBe(1);
  });

  it('two relays in one process keep separate registries', async () => {
    const a = createOperationalMetrics({ processMetrics: true });
    const b = createOperationalMetrics({ processMetrics: true });
    a.messageIn('http', 5);
    const fromA = parseExposition(await a.exposition());
    const fromB = parseExposition(await b.exposition());
    expect(value(fromA, 'wardline_messages_in_total', { channel: 'http' })).toBe(5);
    expect(value(fromB, 'wardline_messages_in_total', { channel: 'http' })).toBe(0);
  });

  it('timeHubMethods times sync, async and failing methods and passes results through', async () => {
    const metrics = createOperationalMetrics({ processMetrics: false });
    const methods = timeHubMethods(
      {
        sync: (cursor: number) => ({ cursor }),
        execute: async (id: string) => ({ status: 'applied', id }),
        broken: () => {
          throw new HubError('sync needs a cursor');
        },
        rejects: () => Promise.reject(new Error('store closed')),
      },
      metrics,
    );
    expect(methods.sync(4)).toEqual({ cursor: 4 });
    await expect(methods.execute('t1')).resolves.toEqual({ status: 'applied', id: 't1' });
    expect(() => methods.broken()).toThrow('sync needs a cursor');
    await expect(methods.rejects()).rejects.toThrow('store closed');
    const families = parseExposition(await metrics.exposition());
    const count = (method: string, outcome: string) =>
      value(families, 'wardline_hub_method_duration_seconds_count', { method, outcome });
    expect([
      count('sync', 'ok'),
      count('execute', 'ok'),
      count('broken', 'error'),
      count('rejects', 'error'),
    ]).toEqual([1, 1, 1, 1]);
    expect(value(families, 'wardline_messages_in_total', { channel: 'hub' })).toBe(4);
  });

  it('with a scrape token, /metrics answers 401 without it and 200 with it', async () => {
    const metrics = createOperationalMetrics({ processMetrics: false });
    const { url, server } = await serve(metrics, { bearerToken: 's3cret-scrape-token' });
    servers.push(server);
    const none = await fetch(`${url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret-scrape-token' } });
    expect(ok.status).toBe(200);
    parseExposition(await ok.text());
  });

  it.each([
    ['a sample with no TYPE', 'foo 1'],
    ['a malformed label', '# TYPE foo gauge\nfoo{bar=1} 1'],
    ['a stray comment', '# TYPE foo gauge\n# nonsense\nfoo 1'],
    ['a value that is not a number', '# TYPE foo gauge\nfoo one'],
  ])('the exposition parser rejects %s', (_name, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
