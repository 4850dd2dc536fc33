import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import type { SignalRLimits } from './limits';
import type { ProtocolName } from './protocols/messages';

export type { ProtocolName };

export const TRANSPORTS = ['WebSockets', 'ServerSentEvents', 'LongPolling'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** What `authenticate` returns to refuse a request. Anything else it returns is the principal. */
export interface AuthFailure {
  status: 401 | 403;
  /** Sent to the client as the response body: keep it free of secrets. */
  reason: string;
}

/**
 * Validates the bearer token (from `Authorization: Bearer`, or the `access_token` query parameter that
 * browsers use for WebSockets and SSE). Called for negotiate and for every transport request: each long
 * poll, each POST, the SSE GET and the WebSocket upgrade. `token` is undefined when none was sent.
 */
export type Authenticate<P> = (
  req: IncomingMessage,
  token: string | undefined,
) => P | AuthFailure | Promise<P | AuthFailure>;

export interface CloseOptions {
  /** Sent in the Close message; the client surfaces it to `onclose`/`onreconnecting`. */
  error?: string;
  /** True lets a client with automatic reconnect reconnect; false (default) stops it for good. */
  allowReconnect?: boolean;
}

/** A live connection: the handshake is done and it can be addressed. */
export interface SignalRConnection<P> {
  /** Public id (negotiate's `connectionId`); safe to share, unlike the secret connection token. */
  readonly id: string;
  /**
   * Whoever `authenticate` returned when the transport started (re-checked to be the same user since):
   * the library does not know its shape, the hub does.
   */
  readonly caller: P;
  /** `userIdOf(principal)`: the key of `sendToUser`. */
  readonly userId: string;
  readonly transport: TransportName;
  readonly protocol: ProtocolName;
  readonly groups: ReadonlySet<string>;
  /** Bytes accepted for this connection and not yet taken by the network (or the next long poll). */
  readonly bufferedBytes: number;
  /** Calls a client method on this connection only; false if it is no longer live. */
  send(target: string, ...args: unknown[]): boolean;
  /** Sends a Close message (when possible) and ends the transport. Repeating it is harmless. */
  close(options?: CloseOptions): void;
}

export interface HubCallContext<P> {
  readonly connection: SignalRConnection<P>;
  readonly server: SignalRServer<P>;
  /** Absent for fire-and-forget calls (`connection.send` on the client): the result is dropped. */
  readonly invocationId: string | undefined;
  /** The method's registered name (the client may have sent it in another case). */
  readonly method: string;
}

/**
 * A hub method. Arguments come straight from the client: validate them (count and types) and throw a
 * HubError with a message the user may read. The return value (or resolved value) is the completion's
 * result; `undefined` makes a void completion.
 */
export type HubMethod<P> = (context: HubCallContext<P>, ...args: unknown[]) => unknown;

export interface HubDefinition<P> {
  /** Matched case-insensitively, like ASP.NET; two names differing only in case are refused. */
  methods: Record<string, HubMethod<P>>;
  /** Runs after the handshake; no invocation of this connection starts before it settles. */
  onConnected?(connection: SignalRConnection<P>): void | Promise<void>;
  /** Runs once when a connection that was connected leaves; `error` is set when it ended abnormally. */
  onDisconnected?(connection: SignalRConnection<P>, error: Error | undefined): void | Promise<void>;
}

export interface SignalROptions<P> {
  /** The hub URL's path, e.g. `/hubs/worklist`; negotiate lives at `{path}/negotiate`. */
  path: string;
  hub: HubDefinition<P>;
  authenticate: Authenticate<P>;
  userIdOf(principal: P): string;
  /**
   * Browser origins allowed to call the hub (CORS with credentials) and to open WebSockets, e.g.
   * `https://wardline.example.org`. Requests without `Origin` (non-browser clients) and same-host
   * requests are always allowed.
   */
  allowedOrigins: readonly string[];
  /** Offered in this order; default WebSockets, ServerSentEvents, LongPolling. */
  transports?: readonly TransportName[];
  /** Hub protocols accepted in the handshake; default both. */
  protocols?: readonly ProtocolName[];
  /**
   * Lowest negotiate version served (default 1). Version 0 has no separate secret token: the public
   * connectionId is what the client presents, so enable it only for old clients.
   */
  minNegotiateVersion?: 0 | 1;
  /**
   * Put in front of every connection token (`<prefix>~<256 random bits>`), e.g. the relay's id, so a
   * load balancer can send a connection's later requests (SSE, polls, sends, the WebSocket upgrade)
   * to the process that holds it without a cookie. Letters, digits, `.`, `_` and `-` only: the client
   * does not encode the token. The random part keeps the token as secret as without a prefix.
   */
  connectionTokenPrefix?: string;
  logger: Logger;
  limits?: Partial<SignalRLimits>;
}

export interface SignalRStats {
  /** Live connections (handshake done). */
  connections: number;
  /** Negotiated, connecting, handshaking or closing connections still holding a token. */
  pending: number;
  /** Sum of bytes queued for live connections and not yet taken by the network. */
  bufferedBytes: number;
  /** The largest such queue of a single connection. */
  largestBufferedBytes: number;
  /** What the fairness limits refused or held back since start (see limits.ts). */
  limited: Readonly<Record<LimitCounter, number>>;
}

/**
 * `connectionsPerUser`, `pendingPerUser`: negotiates (or direct WebSocket connects) refused with 429;
 * `invocationsPerMessage`: connections closed for a message holding too many invocations;
 * `invocationsDelayed`: invocations that waited for their connection's or user's rate.
 */
export type LimitCounter =
  'connectionsPerUser' | 'pendingPerUser' | 'invocationsPerMessage' | 'invocationsDelayed';

export interface SignalRServer<P> {
  readonly path: string;
  /** Serves negotiate, SSE, long polling and POST sends; returns false (untouched) for other URLs. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Accepts WebSocket upgrades of the hub URL; returns false (socket untouched) for other URLs. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;

  /** Each returns the number of connections the message was handed to. */
  sendToAll(target: string, ...args: unknown[]): number;
  sendToConnection(connectionId: string, target: string, ...args: unknown[]): number;
  sendToGroup(group: string, target: string, ...args: unknown[]): number;
  sendToUser(userId: string, target: string, ...args: unknown[]): number;
  /** Sends to each live connection for which `predicate` holds (e.g. `visibleTo(task, c.caller.principal)`). */
  sendWhere(
    predicate: (connection: SignalRConnection<P>) => boolean,
    target: string,
    ...args: unknown[]
  ): number;

  /**
   * Sends to exactly these connections (an app's own index, e.g. connections by unit); any that is no
   * longer live is skipped. One serialization per protocol, as for the others.
   */
  sendToConnections(connections: Iterable<SignalRConnection<P>>, target: string, ...args: unknown[]): number;

  /** False when no live connection has this id. */
  addToGroup(connectionId: string, group: string): boolean;
  removeFromGroup(connectionId: string, group: string): boolean;

  /** Live connections, in no particular order. */
  connections(): IterableIterator<SignalRConnection<P>>;
  connection(connectionId: string): SignalRConnection<P> | undefined;
  closeConnection(connectionId: string, options?: CloseOptions): boolean;
  stats(): SignalRStats;

  /**
   * Sends Close (allowReconnect true by default: a restart is not the client's fault) to everyone, ends
   * every transport, refuses new work and clears timers. Resolves once transports are closed or after
   * `closeTimeoutMs`. Repeating it is harmless.
   */
  close(options?: CloseOptions): Promise<void>;
}
