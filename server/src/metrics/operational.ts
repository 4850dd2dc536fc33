import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sendError } from '../http/errors';
import type { Router } from '../http/router';
import { TRANSPORTS, type TransportName } from '../signalr';
import type { WorklistStore } from '../store/contract';

/**
 * Operational metrics for IT at `GET /metrics` (Prometheus text). Each relay has its own Registry, never
 * prom-client's global one, so several relays in one test process do not clash. Nothing here carries
 * patient data or a unit name: counts, durations and reason codes only. docs/METRICS.md lists where the
 * composition root calls each recorder.
 */

/**
 * Where messages enter the relay: inbound events over HTTP ingest, Service Bus or the demo feed (in
 * process), and hub invocations.
 */
export const INBOUND_CHANNELS = ['http', 'servicebus', 'demo', 'hub'] as const;
export type InboundChannel = (typeof INBOUND_CHANNELS)[number];
/** Where messages leave it: outbox rows published to Service Bus, and hub messages to connections. */
export const OUTBOUND_CHANNELS = ['servicebus', 'hub'] as const;
export type OutboundChannel = (typeof OUTBOUND_CHANNELS)[number];

/**
 * Ingest lag, event `time` to applied: Service Bus normally delivers within a second; minutes mean a
 * backlog, an hour means the relay was down or the integration engine held messages back.
 */
const INGEST_LAG_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/**
 * Escalation timer lag: the scheduler wakes at the deadline, so anything past a second or two is an
 * overloaded event loop or a relay that was down while a deadline passed (it fires late, once).
 */
const TIMER_LAG_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300];
/** Hub methods: a sync page or an action is one SQLite transaction, so milliseconds; a second is bad. */
const HUB_METHOD_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface OperationalCallbacks {
  /** Live hub connections per transport, read at each scrape (see `connectionsByTransport`). */
  connections?: () => Iterable<{ transport: string; count: number }>;
  /** Outbox rows not yet published upstream, read at each scrape (see `outboxDepthOf`). */
  outboxDepth?: () => number | Promise<number>;
  /** The hub's fairness limits since start (`SignalRStats.limited`), read at each scrape. */
  hubLimited?: () => Readonly<Record<string, number>>;
  /** The relay's clock, for ingest lag; the system clock otherwise. */
  clock?: { now(): Date };
  /** This relay's RELAY_ID: one `wardline_relay_info{relay_id}` series, to tell relays apart on a dashboard. */
  relayId?: string;
  /** Node's process metrics (CPU, memory, event-loop lag, GC) in the same registry. Default true. */
  processMetrics?: boolean;
}

export interface OperationalMetrics {
  readonly registry: Registry;
  /** `count` messages arrived on `channel` (inbound events over HTTP or Service Bus, hub invocations). */
  messageIn(channel: InboundChannel, count?: number): void;
  /** `count` messages left on `channel` (outbox rows published, hub pushes handed to connections). */
  messageOut(channel: OutboundChannel, count?: number): void;
  /** An inbound event was applied now; `eventTime` is its CloudEvents `time` (absent: not observed). */
  eventApplied(eventTime: string | null | undefined): void;
  /** A Service Bus message was dead-lettered; `reason` is its `deadLetterReason` (a short fixed code). */
  deadLettered(reason: string): void;
  /** An escalation level fired; `lagMs` is the scheduler's `Firing.lagMs`. */
  escalationFired(lagMs: number): void;
  /** A hub method finished; `outcome` is `error` when it threw (a hub error), else `ok`. */
  hubMethodFinished(method: string, durationMs: number, outcome: 'ok' | 'error'): void;
  /** The Prometheus text exposition. */
  exposition(): Promise<string>;
}

export function createOperationalMetrics(callbacks: OperationalCallbacks = {}): OperationalMetrics {
  const registry = new Registry();
  const registers = [registry];
  const clock = callbacks.clock ?? { now: () => new Date() };
  if (callbacks.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'wardline_' });

  if (callbacks.relayId !== undefined)
    new Gauge({
      name: 'wardline_relay_info',
      help: 'Always 1; relay_id is this relay’s RELAY_ID (several relays share one database).',
      labelNames: ['relay_id'],
      registers,
    }).set({ relay_id: callbacks.relayId }, 1);
  const connections = callbacks.connections;
  new Gauge({
    name: 'wardline_hub_connections',
    help: 'Live worklist hub connections by SignalR transport.',
    labelNames: ['transport'],
    registers,
    collect() {
      if (!connections) return;
      this.reset();
      for (const { transport, count } of connections()) this.set({ transport }, count);
    },
  });
  const hubLimited = callbacks.hubLimited;
  new Counter({
    name: 'wardline_hub_limited_total',
    help: 'Hub fairness limits hit: connections refused per person (connectionsPerUser, pendingPerUser), connections closed for too many invocations in one message, invocations that waited for their rate.',
    labelNames: ['limit'],
    registers,
    collect() {
      if (!hubLimited) return;
      this.reset();
      for (const [limit, count] of Object.entries(hubLimited())) this.inc({ limit }, count);
    },
  });
  const outboxDepth = callbacks.outboxDepth;
  new Gauge({
    name: 'wardline_outbox_depth',
    help: 'Outbox rows (staff actions for upstream) not yet published to Service Bus.',
    registers,
    async collect() {
      if (!outboxDepth) return;
      try {
        this.set(await outboxDepth());
      } catch {
        // The store is unreachable (/readyz says so): the gauge keeps its last value for this scrape.
      }
    },
  });
  const messagesIn = new Counter({
    name: 'wardline_messages_in_total',
    help: 'Messages received: inbound events (http, servicebus, demo) and hub invocations (hub).',
    labelNames: ['channel'],
    registers,
  });
  const messagesOut = new Counter({
    name: 'wardline_messages_out_total',
    help: 'Messages sent: outbox rows published (servicebus) and hub pushes handed to connections (hub).',
    labelNames: ['channel'],
    registers,
  });
  // Every channel's series exists from the start, so rate() sees the first message.
  for (const channel of INBOUND_CHANNELS) messagesIn.inc({ channel }, 0);
  for (const channel of OUTBOUND_CHANNELS) messagesOut.inc({ channel }, 0);
  const ingestLag = new Histogram({
    name: 'wardline_ingest_lag_seconds',
    help: 'Time from an inbound event’s CloudEvents time to its being applied to the store.',
    buckets: INGEST_LAG_BUCKETS_S,
    registers,
  });
  const deadLetters = new Counter({
    name: 'wardline_dead_letters_total',
    help: 'Inbound Service Bus messages dead-lettered, by deadLetterReason.',
    labelNames: ['reason'],
    registers,
  });
  const timerLag = new Histogram({
    name: 'wardline_escalation_timer_lag_seconds',
    help: 'How late escalation levels fired against their deadlines.',
    buckets: TIMER_LAG_BUCKETS_S,
    registers,
  });
  const hubMethods = new Histogram({
    name: 'wardline_hub_method_duration_seconds',
    help: 'Worklist hub method latency, from invocation to result.',
    labelNames: ['method', 'outcome'],
    buckets: HUB_METHOD_BUCKETS_S,
    registers,
  });

  return {
    registry,
    messageIn: (channel, count = 1) => messagesIn.inc({ channel }, count),
    messageOut: (channel, count = 1) => messagesOut.inc({ channel }, count),
    eventApplied(eventTime) {
      if (!eventTime) return;
      const sent = Date.parse(eventTime);
      if (!Number.isFinite(sent)) return;
      // A sender's clock ahead of ours would make a negative lag: count it as none.
      ingestLag.observe(Math.max(0, clock.now().getTime() - sent) / 1000);
    },
    deadLettered: (reason) => deadLetters.inc({ reason }),
    escalationFired: (lagMs) => timerLag.observe(Math.max(0, lagMs) / 1000),
    hubMethodFinished: (method, durationMs, outcome) =>
      hubMethods.observe({ method, outcome }, durationMs / 1000),
    exposition: () => registry.metrics(),
  };
}

/** Connections counted per transport, every transport listed (0 when none), for `connections`. */
export function connectionsByTransport(
  live: Iterable<{ transport: TransportName }>,
): Array<{ transport: TransportName; count: number }> {
  const counts = new Map<TransportName, number>(TRANSPORTS.map((t) => [t, 0]));
  for (const connection of live)
    counts.set(connection.transport, (counts.get(connection.transport) ?? 0) + 1);
  return [...counts].map(([transport, count]) => ({ transport, count }));
}

/** Unpublished outbox rows, for `outboxDepth` (served by the `outbox_unpublished` index). */
export function outboxDepthOf(store: Pick<WorklistStore, 'outboxDepth'>): () => Promise<number> {
  return () => store.outboxDepth();
}

/**
 * Wraps hub methods so that each invocation counts as a message in and its latency is recorded by
 * method; results and errors pass through untouched. Use: `methods: timeHubMethods({ sync, execute }, ops)`.
 */
export function timeHubMethods<M extends Record<string, (...args: never[]) => unknown>>(
  methods: M,
  metrics: Pick<OperationalMetrics, 'messageIn' | 'hubMethodFinished'>,
): M {
  const timed: Record<string, (...args: never[]) => unknown> = {};
  for (const [name, method] of Object.entries(methods)) {
    timed[name] = (...args) => {
      metrics.messageIn('hub');
      const start = performance.now();
      const done = (outcome: 'ok' | 'error') =>
        metrics.hubMethodFinished(name, performance.now() - start, outcome);
      let result: unknown;
      try {
        result = method(...args);
      } catch (error) {
        done('error');
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            done('ok');
            return value;
          },
          (error: unknown) => {
            done('error');
            throw error;
          },
        );
      }
      done('ok');
      return result;
    };
  }
  return timed as M;
}

export interface MetricsRouteOptions {
  /**
   * When set, scrapes must send `Authorization: Bearer <token>` (Prometheus `authorization` setting).
   * The exposition holds no patient data, but it does show load and failure rates.
   */
  bearerToken?: string | null;
  /**
   * Without a token: false serves anyone (development, or production with `METRICS_PUBLIC=true`), true
   * refuses every scrape (production with neither set: docs/SECURITY.md N4).
   */
  closedWithoutToken?: boolean;
}

/** `GET /metrics`: the Prometheus text exposition, with the registry's own content type. */
export function registerMetricsRoute(
  router: Router,
  metrics: OperationalMetrics,
  { bearerToken = null, closedWithoutToken = false }: MetricsRouteOptions = {},
): void {
  router.get('/metrics', async (req, res) => {
    if (!bearerToken && closedWithoutToken) {
      return sendError(
        res,
        'forbidden',
        'Metrics are closed in production until METRICS_TOKEN (or METRICS_PUBLIC=true) is set.',
      );
    }
    if (bearerToken && !bearerMatches(req.headers.authorization, bearerToken)) {
      return sendError(res, 'unauthorized', 'Send the metrics scrape token as a bearer token.', {
        'www-authenticate': 'Bearer realm="wardline-metrics"',
      });
    }
    const body = await metrics.exposition();
    res.writeHead(200, {
      'content-type': metrics.registry.contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
