import type { IncomingMessage, ServerResponse } from 'node:http';
import { authFailureHeaders, authenticateRequest, type AuthOutcome } from './auth';
import { monotonicNow, type Connection } from './connection';
import type { ServerContext } from './context';
import { messageTooLargeError } from './errors';
import { readBody, sendJson, sendText } from './http';
import { chooseNegotiateVersion, negotiateBody, newConnectionId } from './negotiate';
import { LongPollingSink } from './transports/longpolling';
import { startServerSentEvents } from './transports/sse';
import type { TransportName } from './types';

const CONNECTION_METHODS = 'GET, POST, DELETE, OPTIONS';

/** POST sends in progress: the client never overlaps them, so a second one is a protocol error (409). */
const postsInFlight = new WeakSet<object>();

export function refuse<P>(
  context: ServerContext<P>,
  res: ServerResponse,
  auth: AuthOutcome<P> & { ok: false },
): void {
  if (auth.error !== undefined) context.logger.error({ err: auth.error }, 'signalr: authenticate failed');
  sendText(res, auth.status, auth.reason, authFailureHeaders(auth.status));
}

/** `POST {hub}/negotiate`: authenticate, then hand out a connection id and its secret token. */
export async function negotiate<P>(
  context: ServerContext<P>,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  if (req.method !== 'POST') {
    sendText(res, 405, 'Method not allowed.', { Allow: 'POST, OPTIONS' });
    return;
  }
  const auth = await authenticateRequest(context.authenticate, context.userIdOf, req, query);
  if (!auth.ok) return refuse(context, res, auth);
  if (context.isClosing()) {
    sendText(res, 503, 'The server is shutting down.');
    return;
  }
  const refused = context.refuseNewConnection(auth.userId);
  if (refused !== undefined) {
    sendText(res, 429, refused, { 'Retry-After': '5' });
    return;
  }
  const chosen = chooseNegotiateVersion(query, context.minNegotiateVersion);
  // The client reads `error` from a 200 answer and stops with that message.
  if ('error' in chosen) return sendJson(res, 200, { error: chosen.error });
  const connectionId = newConnectionId();
  const token = chosen.version === 0 ? connectionId : context.newToken();
  context.createConnection(auth.principal, auth.userId, connectionId, token);
  context.logger.debug({ connectionId, userId: auth.userId }, 'signalr: negotiated');
  sendJson(
    res,
    200,
    negotiateBody({
      connectionId,
      connectionToken: token,
      version: chosen.version,
      transports: context.transports,
      protocols: context.protocols,
      statefulReconnectAsked: query.get('useStatefulReconnect') === 'true',
    }),
  );
}

/** `GET|POST|DELETE {hub}?id=<token>`: SSE stream, long poll, send, or long-polling stop. */
export async function connectionRequest<P>(
  context: ServerContext<P>,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? '';
  if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') {
    sendText(res, 405, 'Method not allowed.', { Allow: CONNECTION_METHODS });
    return;
  }
  const token = query.get('id');
  if (!token) {
    sendText(res, 400, 'Connection ID required');
    return;
  }
  const auth = await authenticateRequest(context.authenticate, context.userIdOf, req, query);
  if (!auth.ok) return refuse(context, res, auth);
  const connection = context.registry.byToken.get(token);
  if (!connection || connection.phase === 'closed') {
    sendText(res, 404, 'No Connection with that ID');
    return;
  }
  // Same answer as for an unknown token: a stranger learns nothing, and the owner is not disturbed.
  if (connection.userId !== auth.userId) {
    context.logger.warn(
      { connectionId: connection.id, userId: auth.userId },
      'signalr: connection token presented by another user',
    );
    sendText(res, 404, 'No Connection with that ID');
    return;
  }
  if (method === 'GET') return startOrPoll(context, req, res, connection, auth.principal);
  if (method === 'POST') return receiveSend(context, req, res, connection);
  return stopLongPolling(res, connection);
}

function startOrPoll<P>(
  context: ServerContext<P>,
  req: IncomingMessage,
  res: ServerResponse,
  connection: Connection<P>,
  principal: P,
): void {
  // ASP.NET tells the two GET transports apart by the Accept header EventSource sends.
  const requested: TransportName = (req.headers.accept ?? '').includes('text/event-stream')
    ? 'ServerSentEvents'
    : 'LongPolling';
  if (!context.transports.includes(requested)) {
    sendText(res, 404, `The ${requested} transport is not enabled.`);
    return;
  }
  const current = connection.transportName;
  if (current !== undefined && current !== requested) {
    sendText(res, 400, 'Cannot change transports mid-connection');
    return;
  }
  if (connection.phase === 'claimed') {
    sendText(res, 409, 'A WebSocket is being opened for this connection.');
    return;
  }
  const now = monotonicNow();
  if (requested === 'ServerSentEvents') {
    if (connection.phase !== 'negotiated') {
      sendText(res, 409, 'An SSE request is already active for this connection.');
      return;
    }
    connection.attach(startServerSentEvents(res, connection, context.limits), principal, now);
    context.logger.debug({ connectionId: connection.id, transport: requested }, 'signalr: transport started');
    return;
  }
  if (connection.phase === 'negotiated') {
    connection.attach(new LongPollingSink(connection, context.limits, now), principal, now);
    LongPollingSink.answerFirstPoll(res);
    context.logger.debug({ connectionId: connection.id, transport: requested }, 'signalr: transport started');
    return;
  }
  const sink = connection.transportSink;
  if (!(sink instanceof LongPollingSink)) {
    sendText(res, 400, 'Cannot change transports mid-connection');
    return;
  }
  sink.handlePoll(res, now);
}

async function receiveSend<P>(
  context: ServerContext<P>,
  req: IncomingMessage,
  res: ServerResponse,
  connection: Connection<P>,
): Promise<void> {
  if (connection.transportName === 'WebSockets') {
    sendText(res, 405, 'POST requests are not allowed for WebSocket connections.');
    return;
  }
  if (connection.phase !== 'handshaking' && connection.phase !== 'connected') {
    sendText(res, 404, 'No Connection with that ID');
    return;
  }
  if (postsInFlight.has(connection)) {
    sendText(res, 409, 'Another send request is already in progress for this connection.');
    return;
  }
  postsInFlight.add(connection);
  try {
    const body = await readBody(req, context.limits.maxFrameBytes);
    if (!body.ok) {
      if (body.reason === 'too-large') {
        connection.closeForBadInput(messageTooLargeError(context.limits.maxFrameBytes));
        sendText(res, 413, messageTooLargeError(context.limits.maxFrameBytes), { Connection: 'close' });
      }
      return;
    }
    connection.receive(body.body);
    await connection.readyForMore();
    sendText(res, 200, '');
  } finally {
    postsInFlight.delete(connection);
  }
}

function stopLongPolling<P>(res: ServerResponse, connection: Connection<P>): void {
  const sink = connection.transportSink;
  if (!(sink instanceof LongPollingSink)) {
    sendText(res, 400, 'Cannot terminate this connection using the DELETE endpoint.');
    return;
  }
  // The client asked to stop: no Close message for it, and onDisconnected gets no error.
  connection.close({}, { sendClose: false });
  sink.handleDelete();
  sendText(res, 202, '');
}
