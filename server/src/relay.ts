import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAuthenticator,
  createDeferredValidator,
  createDevIssuer,
  createRequestGuard,
  createStaffDirectory,
  createTokenValidator,
  devValidatorSettings,
  loopbackBaseUrl,
  registerDevRoutes,
  registerDirectoryRoutes,
  registerMeRoute,
  seedDemoDirectory,
  type StaffDirectory,
} from './auth';
import type { Principal } from '../../src/domain';
import type { RelayConfig } from './config';
import { createWorklistHub, type Caller } from './hub/worklist-hub';
import { AlertCoalescer } from './escalation/alerts';
import { systemClock, type Clock } from './escalation/clock';
import { EscalationScheduler } from './escalation/scheduler';
import type { Agent as HttpsAgent } from 'node:https';
import { pushAlert } from './push/notifier';
import { registerPushRoutes } from './push/routes';
import { PushSubscriptions } from './push/subscriptions';
import { loadOrCreateVapidKeys } from './push/vapid';
import { registerCoverageRoute } from './escalation/coverage-route';
import { isAlertTarget, sendAlert } from './hub/alerts';
import type { SignalRServer } from './signalr';
import { registerHealthRoutes } from './http/health';
import { registerTaskRoutes } from './http/task-routes';
import { sendError, sendJson } from './http/json';
import { Router } from './http/router';
import { createStaticHandler } from './http/static';
import { authorityOrigins } from './auth/client-config';
import { ingestBatch, type BatchOutcome } from './ingest/ingest';
import { registerIngestRoutes } from './ingest/routes';
import {
  connectionsByTransport,
  createOperationalMetrics,
  outboxDepthOf,
  registerMetricsRoute,
  registerOutcomeRoutes,
} from './metrics';
import {
  inboundBeforeStart,
  startServiceBusConnection,
  type ServiceBusConnection,
} from './ingest/servicebus-connection';
import type { Logger } from './log';
import { redactUrl } from './log';
import { openStore, type StoreEngine } from './store/database';
import { azureTokenPassword } from './store/config';
import type { WorklistStore } from './store/contract';
import { SqlWorklistStore } from './store/worklist-store';

export interface Relay {
  /** The base URL the relay answers on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  server: Server;
  store: WorklistStore;
  directory: StaffDirectory;
  hub: SignalRServer<Caller>;
  /** The storage engine under the store (SQLite or PostgreSQL), for tests that look underneath. */
  db: StoreEngine;
  close(): Promise<void>;
}

export interface RelayParts {
  logger: Logger;
  /** Starts extra work once the relay listens (the demo feed); returns how to stop it. */
  onListening?: (
    relay: Relay,
    ingest: (events: unknown[]) => Promise<BatchOutcome>,
  ) => Promise<(() => void | Promise<void>) | void> | (() => void) | void;
  /** Time for the store and the escalation timers; tests inject one they can move. */
  clock?: Clock;
  /** For Web Push requests: tests pass one that trusts their loopback push service. */
  pushAgent?: HttpsAgent;
}

/** Time given to open requests (held long polls, slow uploads) at shutdown before sockets are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The composition root's body: config → store → identity → routes → HTTP. Used by `main.ts` and by
 * the integration tests, which start real relays on free ports.
 */
export async function startRelay(
  config: RelayConfig,
  { logger, onListening, clock = systemClock, pushAgent }: RelayParts,
): Promise<Relay> {
  const db = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.store.databaseUrl,
    poolSize: config.store.poolSize,
    ...(config.store.passwordFrom === 'azure' ? { password: await azureTokenPassword() } : {}),
    // The pool replaces a broken idle connection; /readyz reports the store until one works again.
    onIdleError: (error) => logger.warn({ err: errorSummary(error) }, 'database connection lost'),
  });
  const directory = createStaffDirectory({ db, groupUnits: config.auth?.groupUnits ?? {} });
  /** A colleague as the directory knows them (roles from their last sign-in), for reassign and push. */
  const lookupStaff = async (tenantId: string, id: string): Promise<Principal | null> => {
    const entry = await directory.get(tenantId, id);
    return entry
      ? {
          id: entry.objectId,
          tenantId: entry.tenantId,
          name: entry.name,
          roles: entry.roles,
          units: entry.units,
        }
      : null;
  };
  const store: WorklistStore = await SqlWorklistStore.open(db, {
    clock: () => clock.now(),
    timeZone: config.timeZone,
    policies: config.policies,
    lookupStaff,
  });

  // Scrape-time callbacks read the hub and the outbox; `hub` is assigned below, before any scrape.
  const operational = createOperationalMetrics({
    connections: () => connectionsByTransport(hub.connections()),
    outboxDepth: outboxDepthOf(store),
    clock,
  });

  // Development tokens name the relay's own URL as issuer, known only once it listens.
  const deferred = config.auth ? null : createDeferredValidator();
  const validator = config.auth ? createTokenValidator(config.auth) : deferred!;
  const authenticator = createAuthenticator({ validator, directory, logger });
  const guard = createRequestGuard({ authenticator, logger });

  const hub = createWorklistHub({
    store,
    directory,
    authenticator,
    logger,
    allowedOrigins: config.allowedOrigins,
    metrics: operational,
  });
  const subscriptions = new PushSubscriptions(db);
  const vapid = loadOrCreateVapidKeys(config.dataDir);
  const push = {
    subscriptions,
    keys: vapid,
    contact: config.pushContact,
    lookup: lookupStaff,
    isTarget: isAlertTarget,
    logger,
    ...(pushAgent ? { agent: pushAgent } : {}),
  };
  const alerts = new AlertCoalescer(clock, (delivery) => {
    const reached = sendAlert(hub, delivery);
    operational.messageOut('hub', reached);
    logger.info(
      { alertId: delivery.alert.id, taskIds: delivery.alert.taskIds, level: delivery.alert.level, reached },
      'alert sent',
    );
    void pushAlert(push, delivery).then((pushed) => {
      if (pushed > 0) logger.info({ alertId: delivery.alert.id, pushed }, 'alert pushed');
    });
  });
  const scheduler = new EscalationScheduler({
    store,
    policies: config.policies,
    clock,
    logger,
    onFired: (f) => {
      operational.escalationFired(f.lagMs);
      alerts.add(f);
    },
  });

  const router = new Router();
  let serviceBus: ServiceBusConnection | null = null;
  registerHealthRoutes(router, {
    db,
    inbound: () => serviceBus?.inbound.state() ?? inboundBeforeStart(config.serviceBus),
  });
  registerIngestRoutes(router, { store, logger, guard, metrics: operational });
  registerMetricsRoute(router, operational, { bearerToken: config.metricsToken });
  const outcomes = registerOutcomeRoutes(router, { db, guard, clock });
  registerDirectoryRoutes(router, { directory, guard });
  registerMeRoute(router, { authenticator });
  registerTaskRoutes(router, { store, guard });
  registerPushRoutes(router, { subscriptions, publicKey: vapid.publicKey, guard });
  registerCoverageRoute(router, {
    guard,
    policies: config.policies,
    reachable: async () => [
      ...[...hub.connections()].map((c) => c.principal.principal),
      ...(
        await Promise.all((await subscriptions.all()).map((s) => lookupStaff(s.tenantId, s.objectId)))
      ).flatMap((p) => p ?? []),
    ],
  });
  // The PWA reads this at start, so one build serves every hospital: how to sign in, when to lock.
  router.get('/config.json', (_req, res) =>
    sendJson(res, 200, {
      mode: config.mode,
      idleLockMinutes: config.idleLockMinutes,
      ...(config.clientAuth ? { auth: config.clientAuth } : {}),
    }),
  );

  let baseUrl = '';
  if (config.mode === 'development') {
    const issuer = await createDevIssuer({ dataDir: config.dataDir, logger });
    await seedDemoDirectory(directory);
    registerDevRoutes(router, { issuer, directory, baseUrl: () => baseUrl });
  }
  const serveStatic = createStaticHandler(config.staticDir, {
    authorityOrigins: authorityOrigins(config.clientAuth),
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error(
        { err: errorSummary(error), method: req.method, path: redactUrl(req.url ?? '') },
        'request failed',
      );
      if (!res.headersSent)
        sendError(res, 500, 'internal', 'Something went wrong on the relay; the request was not applied.');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (hub.handleRequest(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const route = router.match(req.method ?? 'GET', url.pathname);
    if (route === 'method-not-allowed')
      return sendError(res, 405, 'method-not-allowed', `${req.method} is not allowed on ${url.pathname}.`);
    if (route) return route.handler(req, res, route.params);
    if (serveStatic(req, res, url.pathname)) return;
    sendError(res, 404, 'not-found', `Nothing is served at ${url.pathname}.`);
  }

  server.on('upgrade', (req, socket, head) => {
    if (!hub.handleUpgrade(req, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  baseUrl = loopbackBaseUrl(server.address() as AddressInfo);
  deferred?.bind(createTokenValidator(devValidatorSettings(baseUrl)));
  // Service Bus feeds the same store as HTTP ingest, which stays available beside it.
  if (config.serviceBus)
    serviceBus = startServiceBusConnection(config.serviceBus, { store, logger, metrics: operational });
  // Fold history written before this relay (or before migration 0005) into the outcome projection.
  void outcomes.projection
    .catchUp()
    .catch((error: unknown) => logger.error({ err: errorSummary(error) }, 'outcome projection failed'));

  let stopExtras: (() => void | Promise<void>) | void = undefined;
  let closed = false;
  const relay: Relay = {
    url: baseUrl,
    server,
    store,
    directory,
    hub,
    db,
    async close() {
      if (closed) return;
      closed = true;
      await stopExtras?.();
      await serviceBus?.close();
      scheduler.stop();
      alerts.flushAll();
      // Clients hear "reconnect" (allowReconnect) before the sockets go: a restart is not their fault.
      await hub.close();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await db.close();
    },
  };
  // What came due while the relay was down fires now, once, at the level it has reached.
  await scheduler.start();
  logger.info(
    {
      url: baseUrl,
      mode: config.mode,
      store: db.kind,
      ...(db.kind === 'sqlite' ? { dataDir: config.dataDir } : {}),
    },
    'relay listening',
  );
  if (config.mode === 'production' && !config.clientAuth) {
    // Tokens are validated, but the PWA has nothing to sign people in with: say so once, at start.
    logger.warn(
      { event: 'auth.no-pwa-sign-in' },
      'AUTH_SPA_CLIENT_ID is not set: the PWA served here cannot sign anyone in (API clients still can).',
    );
  }
  if (onListening) {
    stopExtras = await onListening(relay, (events) => {
      operational.messageIn('demo', events.length);
      return ingestBatch(store, events, logger, operational);
    });
  }
  return relay;
}

/** Errors are logged by name and message only: a stack or a request body could carry patient data. */
export function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'NonError', message: typeof error };
}
