import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { fanOut } from './broadcast';
import { Connection, monotonicNow, type ConnectionHost } from './connection';
import type { ServerContext } from './context';
import { OriginPolicy } from './cors';
import { HubDispatcher } from './dispatcher';
import { sendText, splitUrl, urlForLog } from './http';
import { resolveLimits, sweepIntervalMs } from './limits';
import { tokenMaker } from './negotiate';
import type { ProtocolName } from './protocols/messages';
import { RateBucket } from './rate';
import { ConnectionRegistry } from './registry';
import { connectionRequest, negotiate } from './requests';
import { createWebSocketServer } from './transports/websocket';
import { upgradeToWebSocket } from './upgrade';
import {
  TRANSPORTS,
  type CloseOptions,
  type LimitCounter,
  type SignalROptions,
  type SignalRServer,
  type SignalRStats,
  type TransportName,
} from './types';

const PROTOCOL_NAMES: readonly ProtocolName[] = ['json', 'messagepack'];

function normalizePath(path: string): string {
  if (!path.startsWith('/')) throw new Error(`signalr: path must start with '/': ${path}`);
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function checkList<T extends string>(what: string, list: readonly T[], allowed: readonly T[]): readonly T[] {
  if (list.length === 0) throw new Error(`signalr: ${what} must not be empty.`);
  const unknown = list.find((item) => !allowed.includes(item));
  if (unknown !== undefined) throw new Error(`signalr: unknown ${what} entry '${unknown}'.`);
  if (new Set(list).size !== list.length) throw new Error(`signalr: ${what} has duplicates.`);
  return [...list];
}

export function createSignalRServer<P>(options: SignalROptions<P>): SignalRServer<P> {
  const path = normalizePath(options.path);
  const negotiatePath = `${path === '/' ? '' : path}/negotiate`;
  const limits = resolveLimits(options.limits);
  const logger = options.logger;
  const transports = checkList<TransportName>('transports', options.transports ?? TRANSPORTS, TRANSPORTS);
  const protocols = checkList<ProtocolName>('protocols', options.protocols ?? PROTOCOL_NAMES, PROTOCOL_NAMES);
  const registry = new ConnectionRegistry<P>();
  const wss = createWebSocketServer(limits);
  const hub = options.hub;
  let closing = false;
  let closed: Promise<void> | undefined;
  let allGone: (() => void) | undefined;
  /** Per-user invocation buckets; forgotten by the sweep once full and the user has no connection. */
  const userBuckets = new Map<string, RateBucket>();
  const limited: Record<LimitCounter, number> = {
    connectionsPerUser: 0,
    pendingPerUser: 0,
    invocationsPerMessage: 0,
    invocationsDelayed: 0,
  };

  const host: ConnectionHost<P> = {
    limits,
    logger,
    protocols,
    joined(connection) {
      registry.join(connection);
      logger.debug(
        { connectionId: connection.id, transport: connection.transport, protocol: connection.protocol },
        'signalr: connected',
      );
      return Promise.resolve().then(() => hub.onConnected?.(connection));
    },
    left(connection, error, wasConnected) {
      registry.leave(connection);
      if (!wasConnected) return;
      logger.debug({ connectionId: connection.id, reason: error?.message }, 'signalr: disconnected');
      if (!hub.onDisconnected) return;
      const onDisconnected = hub.onDisconnected.bind(hub);
      Promise.resolve()
        .then(() => onDisconnected(connection, error))
        .catch((err: unknown) =>
          logger.error({ err, connectionId: connection.id }, 'signalr: onDisconnected failed'),
        );
    },
    gone(connection) {
      registry.forget(connection);
      if (allGone && registry.byToken.size === 0) allGone();
    },
    userBucket(userId) {
      let bucket = userBuckets.get(userId);
      if (!bucket) {
        bucket = new RateBucket(limits.userInvocationsPerSecond, limits.userInvocationBurst, monotonicNow());
        userBuckets.set(userId, bucket);
      }
      return bucket;
    },
    count(counter) {
      limited[counter]++;
    },
    invoke: (connection, message) => dispatcher.invoke(connection, message),
    invokeStream: (connection, message) => dispatcher.invokeStream(connection, message),
  };

  const context: ServerContext<P> = {
    path,
    transports,
    protocols,
    minNegotiateVersion: options.minNegotiateVersion ?? 1,
    newToken: tokenMaker(options.connectionTokenPrefix),
    authenticate: options.authenticate,
    userIdOf: (principal) => options.userIdOf(principal),
    limits,
    logger,
    registry,
    origins: new OriginPolicy(options.allowedOrigins),
    host,
    wss,
    isClosing: () => closing,
    refuseNewConnection(userId) {
      let open = 0;
      let pending = 0;
      for (const connection of registry.ownedBy(userId) ?? []) {
        const phase = connection.phase;
        if (phase === 'closing' || phase === 'closed') continue;
        open++;
        if (phase !== 'connected') pending++;
      }
      if (open >= limits.maxConnectionsPerUser) {
        limited.connectionsPerUser++;
        // Debug only: a flood of refusals must not become a flood of log lines (/metrics counts them).
        logger.debug({ userId, open }, 'signalr: connection refused, too many for this user');
        return `Too many connections for this person (at most ${limits.maxConnectionsPerUser}): close another tab or device and try again.`;
      }
      if (pending >= limits.maxPendingConnectionsPerUser) {
        limited.pendingPerUser++;
        logger.debug({ userId, pending }, 'signalr: connection refused, too many opening for this user');
        return `Too many connections being opened for this person (at most ${limits.maxPendingConnectionsPerUser} at once): try again in a few seconds.`;
      }
      return undefined;
    },
    createConnection(principal, userId, connectionId, token) {
      const connection = new Connection(host, connectionId, token, principal, userId, monotonicNow());
      registry.register(connection);
      return connection;
    },
  };

  const sweep = setInterval(() => {
    const now = monotonicNow();
    for (const connection of registry.byToken.values()) {
      try {
        connection.tick(now);
      } catch (err) {
        logger.error({ err, connectionId: connection.id }, 'signalr: sweep failed for a connection');
      }
    }
    for (const [userId, bucket] of userBuckets) {
      if (bucket.isFull(now) && !registry.hasUser(userId)) userBuckets.delete(userId);
    }
  }, sweepIntervalMs(limits));
  sweep.unref();

  /** Any failure inside a handler answers 500 (or cuts the socket) instead of reaching the process. */
  function guard(work: Promise<void>, req: IncomingMessage, fail: () => void): void {
    work.catch((err: unknown) => {
      logger.error({ err, url: urlForLog(req.url), method: req.method }, 'signalr: request failed');
      fail();
    });
  }

  const server: SignalRServer<P> = {
    path,

    handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
      const { pathname, query } = splitUrl(req.url);
      const isNegotiate = pathname === negotiatePath;
      if (!isNegotiate && pathname !== path) return false;
      if (!context.origins.isAllowed(req)) {
        sendText(res, 403, 'Origin not allowed.');
        return true;
      }
      if (req.method === 'OPTIONS') {
        context.origins.answerPreflight(req, res);
        return true;
      }
      context.origins.applyHeaders(req, res);
      const work = isNegotiate
        ? negotiate(context, req, res, query)
        : connectionRequest(context, req, res, query);
      guard(work, req, () =>
        res.headersSent ? res.destroy() : sendText(res, 500, 'Internal server error.'),
      );
      return true;
    },

    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const { pathname, query } = splitUrl(req.url);
      if (pathname !== path) return false;
      // A client that resets mid-authentication must not raise an unhandled 'error'.
      socket.on('error', (err) => logger.debug({ reason: err.message }, 'signalr: upgrade socket error'));
      guard(upgradeToWebSocket(context, req, socket, head, query), req, () => socket.destroy());
      return true;
    },

    sendToAll: (target, ...args) => fanOut(registry.live.values(), target, args),
    sendToConnection(connectionId, target, ...args) {
      const connection = registry.live.get(connectionId);
      return connection ? fanOut([connection], target, args) : 0;
    },
    sendToGroup: (group, target, ...args) => fanOut(registry.group(group), target, args),
    sendToUser: (userId, target, ...args) => fanOut(registry.user(userId), target, args),
    sendWhere: (predicate, target, ...args) => fanOut(registry.live.values(), target, args, predicate),
    // Connections come only from this server (connections(), connection(), hub callbacks).
    sendToConnections: (connections, target, ...args) =>
      fanOut(connections as Iterable<Connection<P>>, target, args),

    addToGroup: (connectionId, group) => registry.addToGroup(connectionId, group),
    removeFromGroup: (connectionId, group) => registry.removeFromGroup(connectionId, group),

    connections: () => registry.live.values(),
    connection: (connectionId) => registry.live.get(connectionId),
    closeConnection(connectionId, closeOptions) {
      const connection = registry.live.get(connectionId);
      if (!connection) return false;
      connection.close(closeOptions);
      return true;
    },

    stats(): SignalRStats {
      let bufferedBytes = 0;
      let largestBufferedBytes = 0;
      for (const connection of registry.live.values()) {
        const buffered = connection.bufferedBytes;
        bufferedBytes += buffered;
        largestBufferedBytes = Math.max(largestBufferedBytes, buffered);
      }
      return {
        connections: registry.live.size,
        pending: registry.byToken.size - registry.live.size,
        bufferedBytes,
        largestBufferedBytes,
        limited: { ...limited },
      };
    },

    close(options: CloseOptions = {}): Promise<void> {
      if (closed) return closed;
      closing = true;
      const closeOptions: CloseOptions = { allowReconnect: true, ...options };
      closed = (async () => {
        const drained = new Promise<void>((resolve) => {
          allGone = resolve;
        });
        for (const connection of [...registry.byToken.values()]) connection.close(closeOptions);
        if (registry.byToken.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, limits.closeTimeoutMs);
          });
          await Promise.race([drained, timeout]);
          clearTimeout(timer);
        }
        // Whatever did not finish in time (a long-polling client that never came back) is cut.
        for (const connection of [...registry.byToken.values()]) {
          connection.transportSink?.abort();
          connection.transportClosed();
        }
        clearInterval(sweep);
        registry.clear();
        wss.close();
        logger.info({ path }, 'signalr: server closed');
      })();
      return closed;
    },
  };

  const dispatcher = new HubDispatcher<P>(hub, server, logger);
  return server;
}
