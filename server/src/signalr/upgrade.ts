import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { authFailureHeaders, authenticateRequest } from './auth';
import { monotonicNow, type Connection } from './connection';
import type { ServerContext } from './context';
import { rejectUpgrade } from './http';
import { newConnectionId } from './negotiate';
import { attachWebSocket } from './transports/websocket';

/**
 * `GET {hub}?id=<token>` with Upgrade: checks origin, identity and token before ws answers 101. Without
 * `id` (the client's skipNegotiation) a new connection is made on the spot, as ASP.NET does.
 */
export async function upgradeToWebSocket<P>(
  context: ServerContext<P>,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  query: URLSearchParams,
): Promise<void> {
  // Browsers run no CORS check for WebSockets: this is the only guard against other sites' pages.
  if (!context.origins.isAllowed(req)) {
    context.logger.info(
      { origin: req.headers.origin },
      'signalr: WebSocket from a disallowed origin refused',
    );
    return rejectUpgrade(socket, 403, 'Origin not allowed.');
  }
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    return rejectUpgrade(socket, 400, 'Only WebSocket upgrades are supported.');
  }
  if (!context.transports.includes('WebSockets')) {
    return rejectUpgrade(socket, 404, 'The WebSockets transport is not enabled.');
  }
  const auth = await authenticateRequest(context.authenticate, context.userIdOf, req, query);
  if (!auth.ok) {
    if (auth.error !== undefined) context.logger.error({ err: auth.error }, 'signalr: authenticate failed');
    return rejectUpgrade(socket, auth.status, auth.reason, authFailureHeaders(auth.status));
  }
  if (context.isClosing()) return rejectUpgrade(socket, 503, 'The server is shutting down.');

  const token = query.get('id');
  let connection: Connection<P>;
  if (!token) {
    // Skipping negotiate must not skip the per-user caps.
    const refused = context.refuseNewConnection(auth.userId);
    if (refused !== undefined) return rejectUpgrade(socket, 429, refused, { 'Retry-After': '5' });
    connection = context.createConnection(auth.principal, auth.userId, newConnectionId(), context.newToken());
  } else {
    const found = context.registry.byToken.get(token);
    if (!found || found.phase === 'closing' || found.phase === 'closed') {
      return rejectUpgrade(socket, 404, 'No Connection with that ID');
    }
    if (found.userId !== auth.userId) {
      context.logger.warn(
        { connectionId: found.id, userId: auth.userId },
        'signalr: connection token presented by another user',
      );
      return rejectUpgrade(socket, 404, 'No Connection with that ID');
    }
    if (found.phase !== 'negotiated') {
      const sameTransport = found.phase === 'claimed' || found.transportName === 'WebSockets';
      return sameTransport
        ? rejectUpgrade(socket, 409, 'A WebSocket is already open for this connection.')
        : rejectUpgrade(socket, 400, 'Cannot change transports mid-connection');
    }
    connection = found;
  }

  connection.claim();
  context.wss.handleUpgrade(req, socket, head, (ws) => {
    // The token may have expired, or the server started closing, while ws finished the upgrade.
    if (connection.phase !== 'claimed') {
      ws.terminate();
      return;
    }
    connection.attach(
      attachWebSocket(ws, connection, context.limits, context.logger),
      auth.principal,
      monotonicNow(),
    );
    context.logger.debug(
      { connectionId: connection.id, transport: 'WebSockets' },
      'signalr: transport started',
    );
  });
}
