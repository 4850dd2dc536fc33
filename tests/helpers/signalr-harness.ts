/**
 * A real node:http server on 127.0.0.1 (free port) running the SignalR library with a small test hub,
 * plus the official client and raw-protocol helpers the signalr-* integration tests share.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  HttpTransportType,
  HubConnectionBuilder,
  LogLevel,
  type HubConnection,
  type IHttpConnectionOptions,
} from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { EventSource } from 'eventsource';
import { createLogger } from '../../server/src/log';
import {
  HubError,
  createSignalRServer,
  type SignalRLimits,
  type SignalROptions,
  type SignalRServer,
} from '../../server/src/signalr/index';

export interface TestPrincipal {
  id: string;
  name: string;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export const WARN = 40;

export interface Harness {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  hubUrl: string;
  hubPath: string;
  signalr: SignalRServer<TestPrincipal>;
  http: Server;
  logs: LogLine[];
  /** Raw log text, to prove that secrets never reach it. */
  logText(): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  limits?: Partial<SignalRLimits>;
  transports?: SignalROptions<TestPrincipal>['transports'];
  allowedOrigins?: string[];
  minNegotiateVersion?: 0 | 1;
  /** 'debug' by default, so tests can look for any line. */
  logLevel?: string;
}

export const HUB_PATH = '/hubs/test';
export const ALLOWED_ORIGIN = 'https://ward.example.org';

/**
 * "user:<id>" (or "user:<id>#<n>", a refreshed token) is valid for <id>; "forbidden:<id>" is refused
 * with 403; anything else with 401.
 */
export function tokenFor(userId: string): string {
  return `user:${userId}`;
}

function numberArg(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new HubError('Expected a number.');
  return value;
}

function stringArg(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new HubError('Expected a non-empty string.');
  return value;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const lines: string[] = [];
  const logs: LogLine[] = [];
  const logger = createLogger({
    level: options.logLevel ?? 'debug',
    destination: {
      write(line: string) {
        lines.push(line);
        logs.push(JSON.parse(line) as LogLine);
      },
    },
  });

  const signalr = createSignalRServer<TestPrincipal>({
    path: HUB_PATH,
    logger,
    allowedOrigins: options.allowedOrigins ?? [ALLOWED_ORIGIN],
    ...(options.transports ? { transports: options.transports } : {}),
    ...(options.minNegotiateVersion === undefined
      ? {}
      : { minNegotiateVersion: options.minNegotiateVersion }),
    limits: options.limits ?? {},
    userIdOf: (principal) => principal.id,
    authenticate: (_req, token) => {
      // "user:<id>#<n>" is a refreshed token of the same user.
      const id = token?.startsWith('user:') ? token.slice(5).split('#')[0] : undefined;
      if (id) return { id, name: `Test ${id}` };
      if (token?.startsWith('forbidden:')) return { status: 403, reason: 'Not allowed here.' };
      return { status: 401, reason: 'Invalid or missing token.' };
    },
    hub: {
      methods: {
        echo(_ctx, ...args) {
          if (args.length !== 1) throw new HubError(`echo takes 1 argument, got ${args.length}.`);
          return args[0];
        },
        add: (_ctx, a, b) => numberArg(a) + numberArg(b),
        nothing: () => undefined,
        whoAmI: (ctx) => ({
          userId: ctx.connection.userId,
          connectionId: ctx.connection.id,
          transport: ctx.connection.transport,
          protocol: ctx.connection.protocol,
        }),
        joinGroup: (ctx, group) => ctx.server.addToGroup(ctx.connection.id, stringArg(group)),
        leaveGroup: (ctx, group) => ctx.server.removeFromGroup(ctx.connection.id, stringArg(group)),
        sendToGroup: (ctx, group, payload) =>
          ctx.server.sendToGroup(stringArg(group), 'groupMessage', payload),
        sendToUser: (ctx, userId, payload) =>
          ctx.server.sendToUser(stringArg(userId), 'userMessage', payload),
        throwPlain() {
          throw new Error('database password is hunter2 at /srv/secret.ts:42');
        },
        async throwSafe() {
          await delay(1);
          throw new HubError('That task was claimed by someone else.');
        },
        async slow(_ctx, ms) {
          await delay(numberArg(ms));
          return ms;
        },
      },
    },
  });

  const http = createServer((req, res) => {
    if (signalr.handleRequest(req, res)) return;
    res.writeHead(404).end();
  });
  http.on('upgrade', (req, socket, head) => {
    if (!signalr.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    hubUrl: `${origin}${HUB_PATH}`,
    hubPath: HUB_PATH,
    signalr,
    http,
    logs,
    logText: () => lines.join(''),
    async close() {
      await signalr.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export type TransportChoice = 'WebSockets' | 'ServerSentEvents' | 'LongPolling';
export type ProtocolChoice = 'json' | 'messagepack';

export interface ClientOptions {
  user: string;
  transport: TransportChoice;
  protocol?: ProtocolChoice;
  reconnectDelaysMs?: number[];
  keepAliveIntervalMs?: number;
  serverTimeoutMs?: number;
  /** Replaces the token factory (e.g. to simulate a refreshed or another user's token). */
  accessTokenFactory?: () => string;
}

/** The official @microsoft/signalr client, as the PWA uses it (plus Node's EventSource for SSE). */
export async function connectClient(harness: Harness, options: ClientOptions): Promise<HubConnection> {
  const connection = buildClient(harness, options);
  await connection.start();
  return connection;
}

export function buildClient(harness: Harness, options: ClientOptions): HubConnection {
  // `EventSource` is a real option of the client but marked @internal, so it is missing from the
  // typings. Without it the Node client falls back to its own bundled eventsource 2.x.
  const httpOptions: IHttpConnectionOptions & { EventSource: unknown } = {
    transport: HttpTransportType[options.transport],
    accessTokenFactory: options.accessTokenFactory ?? (() => tokenFor(options.user)),
    EventSource,
  };
  let builder = new HubConnectionBuilder()
    .withUrl(harness.hubUrl, httpOptions)
    .configureLogging(process.env.SIGNALR_CLIENT_LOG ? LogLevel.Debug : LogLevel.None);
  if (options.protocol === 'messagepack') builder = builder.withHubProtocol(new MessagePackHubProtocol());
  if (options.reconnectDelaysMs) builder = builder.withAutomaticReconnect(options.reconnectDelaysMs);
  if (options.keepAliveIntervalMs) builder = builder.withKeepAliveInterval(options.keepAliveIntervalMs);
  if (options.serverTimeoutMs) builder = builder.withServerTimeout(options.serverTimeoutMs);
  return builder.build();
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Resolves with the arguments of the next call of client method `name`, or rejects after `timeoutMs`. */
export function nextCall(connection: HubConnection, name: string, timeoutMs = 5_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off(name, handler);
      reject(new Error(`No '${name}' call within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (...args: unknown[]): void => {
      clearTimeout(timer);
      connection.off(name, handler);
      resolve(args);
    };
    connection.on(name, handler);
  });
}
