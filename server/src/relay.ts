import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
import { createSyncPacer, type SyncPacer } from './hub/sync';
import { relayAcrossCluster } from './hub/cross-relay';
import { AlertCoalescer } from './escalation/alerts';
import { systemClock, type Clock } from './escalation/clock';
import { EscalationScheduler, firingOfChange } from './escalation/scheduler';
import type { Agent as HttpsAgent } from 'node:https';
import { pushAlert } from './push/notifier';
import { PushClaims } from './push/claims';
import { createPushOnce } from './push/push-once';
import { createPushEndpointPolicy, publicPushAgent } from './push/endpoint-policy';
import { registerPushRoutes } from './push/routes';
import { PushSubscriptions } from './push/subscriptions';
import { loadOrCreateVapidKeys } from './push/vapid';
import { registerCoverageRoute } from './escalation/coverage-route';
import { registerColleaguesRoute } from './handover/colleagues-route';
import { Presence, withPresence } from './handover/presence';
import { DEFAULT_HANDOVER_ACCEPT_MINUTES, HandoverWatch, handoverAlert } from './handover/watch';
import type { AlertDelivery } from './escalation/alerts';
import { isAlertTarget, sendAlert } from './hub/alerts';
import type { SignalRServer } from './signalr';
import { registerHealthRoutes } from './http/health';
import { registerTaskRoutes } from './http/task-routes';
import { sendJson } from './http/json';
import { sendError } from './http/errors';
import { Router } from './http/router';
import { AccessLog } from './audit/access-log';
import { startAccessRetention } from './audit/retention';
import { registerAccessAuditRoutes } from './audit/routes';
import { existingDatabaseFiles, prepareDataFolder, tightenNewDatabaseFiles } from './data-folder';
import { createHostCheck } from './http/host-check';
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
import { errorSummary, redactUrl } from './log';
import { openStore, type StoreEngine } from './store/database';
import { azureTokenPassword } from './store/config';
import type { WorklistStore } from './store/contract';
import { SqlWorklistStore } from './store/worklist-store';
import { AssignmentService } from './assignments/service';
import { alertNewPatientWork } from './assignments/patient-alerts';
import { parseAssignmentConfig } from './assignments/config';
import { HUB_EVENTS, isMemberOf, shiftAt } from '../../src/domain';
import { PostgresEngine } from './store/postgres-engine';
import { startOutboxLease } from './outbound/outbox-lease';

export interface Relay {
  /** The base URL the relay answers on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  server: Server;
  store: WorklistStore;
  directory: StaffDirectory;
  hub: SignalRServer<Caller>;
  /** The storage engine under the store (SQLite or PostgreSQL), for tests that look underneath. */
  db: StoreEngine;
  /**
   * Stops accepting (the listening socket closes, `/readyz` answers 503 on connections still open, the
   * hub refuses new connections), then stops the work, closes the hub and the store.
   */
  close(): Promise<void>;
  /** Cuts every open socket at once (HTTP, SSE, long polls, WebSockets): the shutdown deadline's hammer. */
  forceClose(): void;
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
  /**
   * Test-only: origins of the loopback push service the tests run, accepted as push endpoints without
   * the allow-list and public-address checks. Never read from the environment, so never on in a deployment.
   */
  pushTestOrigins?: string[];
  /** The hub's turns for `sync` page reads; tests pass their own to see how many waited (HUB.md H11). */
  syncPacer?: SyncPacer;
}

/** Time given to open requests (held long polls, slow uploads) at shutdown before sockets are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The composition root's body: config → store → identity → routes → HTTP. Used by `main.ts` and by
 * the integration tests, which start real relays on free ports.
 */
export async function startRelay(
  config: RelayConfig,
  {
    logger: baseLogger,
    onListening,
    clock = systemClock,
    pushAgent,
    pushTestOrigins = [],
    syncPacer,
  }: RelayParts,
): Promise<Relay> {
  // Every line says which relay wrote it: several relays share one database (docs/STORE.md CL1).
  const logger =
    baseLogger.bindings().relayId === undefined ? baseLogger.child({ relayId: config.relayId }) : baseLogger;
  const folder = prepareDataFolder(config.dataDir);
  if (folder.tooWide) logger.warn({ event: 'data-folder.too-wide' }, folder.tooWide);
  const databaseFilesBefore = existingDatabaseFiles(config.dataDir);
  const db = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.store.databaseUrl,
    poolSize: config.store.poolSize,
    ...(config.store.passwordFrom === 'azure' ? { password: await azureTokenPassword() } : {}),
    // The pool replaces a broken idle connection; /readyz reports the store until one works again.
    onIdleError: (error) => logger.warn({ err: errorSummary(error) }, 'database connection lost'),
    // pg_stat_activity shows which relay each backend serves.
    applicationName: `wardline-${config.relayId}`,
  });
  tightenNewDatabaseFiles(config.dataDir, databaseFilesBefore);
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
  const assignmentConfig = config.assignments ?? parseAssignmentConfig({}, false, []);
  const sqlStore = await SqlWorklistStore.open(db, {
    clock: () => clock.now(),
    timeZone: config.timeZone,
    policies: config.policies,
    lookupStaff,
    shiftIdAt: (now) => shiftAt(now, assignmentConfig.shifts, config.timeZone).id,
    // One clock decides what is due for every relay: the database's. A test that moves a fake clock
    // keeps deciding by it (docs/STORE.md CL5).
    dueClock: clock === systemClock ? 'database' : 'relay',
    tailEvents: {
      lost: (error) =>
        logger.warn({ err: errorSummary(error) }, 'change tail lost the database; catching up'),
      listening: () => logger.debug('change tail listening'),
      skipped: (seq) => logger.error({ seq }, 'change tail skipped a seq missing from the log'),
    },
  });

  const store: WorklistStore = sqlStore;

  // Scrape-time callbacks read the hub and the outbox; `hub` is assigned below, before any scrape.
  const operational = createOperationalMetrics({
    connections: () => connectionsByTransport(hub.connections()),
    outboxDepth: outboxDepthOf(store),
    hubLimited: () => hub.stats().limited,
    clock,
    relayId: config.relayId,
  });

  // Development tokens name the relay's own URL as issuer, known only once it listens.
  const deferred = config.auth ? null : createDeferredValidator();
  const validator = config.auth ? createTokenValidator(config.auth) : deferred!;
  // Who was seen when, for "on shift" in the colleague picker (HANDOFFS.md HO10).
  const presence = new Presence(() => clock.now());
  const authenticator = withPresence(createAuthenticator({ validator, directory, logger }), presence);
  const guard = createRequestGuard({ authenticator, logger });

  const subscriptions = new PushSubscriptions(db);
  // Patient assignments (docs/ASSIGNMENTS.md): the boards, who a bed's nurse is, the shift change.
  const assignments = new AssignmentService({
    store,
    clock,
    logger,
    timeZone: config.timeZone,
    config: assignmentConfig,
    lookupStaff,
    publish: (board) =>
      operational.messageOut(
        'hub',
        hub.sendWhere(
          (c) => isMemberOf(c.caller.principal, board.unit),
          HUB_EVENTS.assignmentsChanged,
          board,
        ),
      ),
    liveUnits: () => [...new Set([...hub.connections()].flatMap((c) => c.caller.principal.units))],
    reachable: async (staffIds) => {
      const live = new Set([...hub.connections()].map((c) => c.caller.principal.id));
      const reached = new Set(staffIds.filter((id) => live.has(id)));
      // The devices are read once, and only when someone has no live connection here.
      if (reached.size < staffIds.length)
        for (const { objectId } of await subscriptions.all())
          if (staffIds.includes(objectId)) reached.add(objectId);
      return reached;
    },
  });
  const hub = createWorklistHub({
    store,
    directory,
    authenticator,
    logger,
    allowedOrigins: config.allowedOrigins,
    metrics: operational,
    limits: config.hubLimits,
    syncPacer: syncPacer ?? createSyncPacer(config.hubSyncConcurrency),
    assignments,
    // C4: the relay's id in front of every connection token, so a load balancer routes on it.
    connectionTokenPrefix: config.relayId,
  });
  // Boards and unit moves made on another relay reach this relay's screens too (PostgreSQL clusters).
  const stopCrossRelay = relayAcrossCluster({
    signals: sqlStore.signals,
    relayId: config.relayId,
    hub,
    directory,
    assignments,
    logger,
  });
  const vapid = loadOrCreateVapidKeys(config.dataDir);
  const endpoints = createPushEndpointPolicy({
    hosts: config.pushServiceHosts,
    testOrigins: pushTestOrigins,
  });
  const push = {
    subscriptions,
    keys: vapid,
    contact: config.pushContact,
    lookup: lookupStaff,
    isTarget: isAlertTarget,
    logger,
    endpoints,
    agent: pushAgent ?? publicPushAgent(),
  };
  /** An alert to this relay's own hub connections. */
  const alertHub = (delivery: AlertDelivery): void => {
    const reached = sendAlert(hub, delivery);
    operational.messageOut('hub', reached);
    logger.info(
      { alertId: delivery.alert.id, taskIds: delivery.alert.taskIds, level: delivery.alert.level, reached },
      'alert sent',
    );
  };
  /** An alert as Web Push: sent by one relay only, the one that made the firing (CL5). */
  const alertPush = (delivery: AlertDelivery): void => {
    void pushAlert(push, delivery).then(
      (pushed) => {
        if (pushed > 0) logger.info({ alertId: delivery.alert.id, pushed }, 'alert pushed');
      },
      // The subscriptions could not be read (the database is away): the hub alert went out regardless.
      (error: unknown) =>
        logger.warn({ alertId: delivery.alert.id, err: errorSummary(error) }, 'alert push failed'),
    );
  };
  // Escalation alerts: every relay tells its own connections from the committed change (its own
  // scheduler's or another relay's); the Web Push goes out from the relay whose scheduler fired.
  const hubAlerts = new AlertCoalescer(clock, alertHub);
  const pushAlerts = new AlertCoalescer(clock, alertPush);
  store.onCommitted((change) => {
    // An offer nobody answered (HO7): recorded once by one relay's watch; every relay tells its own
    // charge nurses from the committed change, and the Web Push goes from the relay that recorded it.
    if (change.change === 'handover-overdue' && change.task.handover) {
      return alertHub({ alert: handoverAlert(change.task), tasks: [change.task] });
    }
    const firing = firingOfChange(change, config.policies);
    if (!firing) return;
    if (firing.target.role !== 'AssignedNurse') return hubAlerts.add(firing);
    // A level for the bed's nurse tells her alone (AS13): her id is read from the board, not the change.
    void assignments.nurseFor(change.task).then(
      (nurse) => {
        if (nurse) hubAlerts.add({ ...firing, recipients: [nurse.id] });
      },
      (error: unknown) =>
        logger.warn(
          { taskId: change.task.id, err: errorSummary(error) },
          'assigned nurse not read; alert not sent',
        ),
    );
  });
  const handoverWatch = new HandoverWatch({
    store,
    clock,
    logger,
    acceptMinutes: config.handoverAcceptMinutes ?? DEFAULT_HANDOVER_ACCEPT_MINUTES,
    deliver: alertPush,
  });
  const scheduler = new EscalationScheduler({
    store,
    policies: config.policies,
    clock,
    logger,
    onFired: (f) => {
      operational.escalationFired(f.lagMs);
      pushAlerts.add(f);
    },
    assignedNurses: (tasks) => assignments.reachableNursesFor(tasks),
  });
  // A new stat item for her patient (AS14): every relay tells its own connections from the committed
  // change; the Web Push goes once per cluster, from the relay that claims it (PushClaims).
  const patientPush = createPushOnce({
    claims: new PushClaims(db, config.relayId),
    send: (delivery) => pushAlert(push, delivery),
    logger,
  });
  const stopPatientAlerts = alertNewPatientWork(store, config.policies, clock, (delivery) => {
    alertHub(delivery);
    patientPush.deliver(delivery);
  });

  const access = new AccessLog(
    db,
    async (taskId) => {
      const task = await store.getTask(taskId);
      return task ? { patientRef: task.patient?.ref ?? null, unit: task.unit } : null;
    },
    () => clock.now(),
  );
  startAccessRetention(access, db, config.accessAuditRetentionDays, clock, logger);

  const router = new Router();
  let serviceBus: ServiceBusConnection | null = null;
  registerHealthRoutes(router, {
    db,
    inbound: () => serviceBus?.inbound.state() ?? inboundBeforeStart(config.serviceBus),
    relayId: config.relayId,
  });
  registerIngestRoutes(router, { store, logger, guard, metrics: operational });
  registerMetricsRoute(router, operational, {
    bearerToken: config.metricsToken,
    closedWithoutToken: config.mode === 'production' && !config.metricsPublic,
  });
  const outcomes = registerOutcomeRoutes(router, { db, guard, clock, access });
  registerAccessAuditRoutes(router, { access, guard, clock });
  registerDirectoryRoutes(router, { directory, guard });
  registerMeRoute(router, { authenticator });
  registerTaskRoutes(router, { store, guard, access, clock });
  registerPushRoutes(router, { subscriptions, publicKey: vapid.publicKey, guard, endpoints });
  registerColleaguesRoute(router, {
    guard,
    directory,
    store,
    presence,
    live: () => [...hub.connections()].map((c) => c.caller.principal),
  });
  registerCoverageRoute(router, {
    guard,
    policies: config.policies,
    beds: (units) => assignments.coverage(units),
    reachable: async () => [
      ...[...hub.connections()].map((c) => c.caller.principal),
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
    // One issuer per cluster: behind a load balancer (PUBLIC_ORIGIN) every relay names the same issuer and
    // signs with the key in the shared data folder, so any relay accepts a token from any other.
    registerDevRoutes(router, { issuer, directory, issuerBase: () => config.publicOrigin ?? baseUrl });
  }
  const hostCheck = createHostCheck({
    publicOrigin: config.publicOrigin,
    listening: () => (server.listening ? (server.address() as AddressInfo) : null),
  });
  const serveStatic = createStaticHandler(config.staticDir, {
    authorityOrigins: authorityOrigins(config.clientAuth),
    socketOrigin: (req) => hostCheck.socketOrigin(req),
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error(
        { err: errorSummary(error), method: req.method, path: redactUrl(req.url ?? '') },
        'request failed',
      );
      if (!res.headersSent)
        sendError(res, 'internal', 'Something went wrong on the relay; the request was not applied.');
      else res.destroy();
    });
  });

  /** Every socket the server accepted, upgraded ones too (the HTTP server forgets those at upgrade). */
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let draining = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A browser never sniffs a JSON answer (or anything else the relay sends) into HTML or script.
    res.setHeader('x-content-type-options', 'nosniff');
    // Shutting down: a load balancer probing on a kept-alive connection must take us out first.
    if (draining && (req.url ?? '').split('?')[0] === '/readyz')
      return sendJson(res, 503, { status: 'not-ready', checks: { shuttingDown: true } });
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    if (!hostCheck.allows(req, url.pathname)) return refuseHost(res);
    if (!decodablePath(url.pathname))
      return sendError(res, 'invalid', 'The path has a malformed percent-encoding (such as %E0%A4%A).');
    if (hub.handleRequest(req, res)) return;
    const route = router.match(req.method ?? 'GET', url.pathname);
    if (route === 'method-not-allowed')
      return sendError(res, 'method-not-allowed', `${req.method} is not allowed on ${url.pathname}.`);
    if (route) return route.handler(req, res, route.params);
    if (serveStatic(req, res, url.pathname)) return;
    sendError(res, 'not-found', `Nothing is served at ${url.pathname}.`);
  }

  server.on('upgrade', (req, socket, head) => {
    if (!hostCheck.allows(req, '')) {
      socket.end('HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
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
  deferred?.bind(createTokenValidator(devValidatorSettings(config.publicOrigin ?? baseUrl, baseUrl)));
  // Service Bus feeds the same store as HTTP ingest, which stays available beside it.
  if (config.serviceBus)
    serviceBus = startServiceBusConnection(config.serviceBus, {
      store,
      logger,
      metrics: operational,
      // On PostgreSQL other relays may share the outbox: one publishes at a time (CL8).
      ...(db instanceof PostgresEngine ? { outboxLease: startOutboxLease(db, logger) } : {}),
    });
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
      draining = true;
      // Accept nothing new; what is open is closed below. The callback comes once every socket is gone.
      const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await stopExtras?.();
      await serviceBus?.close();
      scheduler.stop();
      handoverWatch.stop();
      assignments.stop();
      stopCrossRelay();
      stopPatientAlerts();
      patientPush.stop();
      hubAlerts.flushAll();
      pushAlerts.flushAll();
      // Clients hear "reconnect" (allowReconnect) before the sockets go: a restart is not their fault.
      await hub.close();
      server.closeIdleConnections();
      const force = setTimeout(() => relay.forceClose(), SHUTDOWN_GRACE_MS);
      force.unref();
      await listenerClosed;
      clearTimeout(force);
      await db.close();
    },
    forceClose() {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    },
  };
  // What came due while the relay was down fires now, once, at the level it has reached.
  await scheduler.start();
  await handoverWatch.start();
  assignments.start();
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
  warnAtStart(config, logger);
  if (onListening) {
    stopExtras = await onListening(relay, (events) => {
      operational.messageIn('demo', events.length);
      return ingestBatch(store, events, logger, operational);
    });
  }
  return relay;
}

/** Routes and files are matched on the decoded path: one that cannot be decoded is the caller's error. */
function decodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

/** A request naming a host that is not the relay's (a DNS-rebinding page, a stray proxy): 421. */
function refuseHost(res: ServerResponse): void {
  sendError(
    res,
    'wrong-host',
    'This relay does not answer to that host name; open it at its own address (PUBLIC_ORIGIN).',
  );
}

/** Settings that are allowed but open something up are said once, at start, where an operator looks. */
function warnAtStart(config: RelayConfig, logger: Logger): void {
  if (config.mode !== 'production' || config.metricsToken) return;
  if (config.metricsPublic)
    logger.warn(
      { event: 'metrics.public' },
      'METRICS_PUBLIC=true: /metrics answers anyone who can reach the relay, without a token.',
    );
  else
    logger.warn(
      { event: 'metrics.closed' },
      'METRICS_TOKEN is not set: /metrics refuses every scrape (set it, or METRICS_PUBLIC=true).',
    );
}
