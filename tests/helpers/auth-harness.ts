import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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
  seedDemoDirectory,
  sendAuthFailure,
  type StaffDirectory,
  type TokenValidatorSettings,
} from '../../server/src/auth';
import { sendJson } from '../../server/src/http/json';
import { sendError } from '../../server/src/http/errors';
import { Router } from '../../server/src/http/router';
import { createLogger } from '../../server/src/log';
import { openSqliteStore, type StoreEngine } from '../../server/src/store/database';

/**
 * A small relay for the auth tests, composed the way the real one is: store → directory → validator →
 * authenticator → guard → routes → listen → bind the validator (whose settings may depend on the port).
 * Routes: `GET /api/whoami` (any valid token), `GET /hubs/whoami` (also takes `?access_token=`, like the
 * SignalR transports), the staff directory API, and in development mode the dev issuer's routes.
 */
export interface AuthHarnessOptions {
  /** Validator settings, given the harness's own base URL. Development mode: `devValidatorSettings`. */
  settings?: (baseUrl: string) => TokenValidatorSettings;
  /** Development mode: the dev issuer and the demo directory, key and database in `dataDir`. */
  dev?: boolean;
  dataDir?: string;
  groupUnits?: Record<string, string>;
}

export interface LogLine {
  level: number;
  msg: string;
  event?: string;
  reason?: string;
  requestId?: string;
  [key: string]: unknown;
}

export interface AuthHarness {
  baseUrl: string;
  directory: StaffDirectory;
  db: StoreEngine;
  /** Paths requested so far, in order (to see the relay fetch its own JWKS). */
  requests: string[];
  /** Everything the relay logged, raw. */
  logText(): string;
  logLines(): LogLine[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startAuthHarness(options: AuthHarnessOptions = {}): Promise<AuthHarness> {
  const chunks: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void chunks.push(line) },
  });
  // The key first: a start that fails on it leaves no database open behind.
  const issuer = options.dev
    ? await createDevIssuer({ dataDir: options.dataDir ?? ':memory:', logger })
    : undefined;
  const db = await openSqliteStore(options.dataDir ?? ':memory:');
  const directory = createStaffDirectory({ db, groupUnits: options.groupUnits ?? {} });
  const validator = createDeferredValidator();
  const authenticator = createAuthenticator({ validator, directory, logger });
  const guard = createRequestGuard({ authenticator, logger });

  const router = new Router();
  router.get('/api/whoami', async (req, res) => {
    const result = await authenticator.authenticate(req);
    if (!result.ok) return sendAuthFailure(res, result);
    sendJson(res, 200, result.principal);
  });
  router.get('/hubs/whoami', async (req, res) => {
    const result = await authenticator.authenticate(req, { allowQueryToken: true });
    if (!result.ok) return sendAuthFailure(res, result);
    sendJson(res, 200, result.principal);
  });
  registerDirectoryRoutes(router, { directory, guard });

  let baseUrl = '';
  if (issuer) {
    seedDemoDirectory(directory);
    registerDevRoutes(router, { issuer, directory, issuerBase: () => baseUrl });
  }

  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://harness.invalid');
    requests.push(url.pathname);
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === undefined) return sendError(res, 'not-found', `Nothing at ${url.pathname}.`);
    if (match === 'method-not-allowed') return sendError(res, 'method-not-allowed', 'Method not allowed.');
    Promise.resolve(match.handler(req, res, match.params)).catch((error: unknown) => {
      logger.error({ err: error }, 'handler failed');
      if (!res.headersSent) sendError(res, 'internal', 'The harness failed.');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = loopbackBaseUrl(server.address() as AddressInfo);
  const settings = options.settings ?? (options.dev ? devValidatorSettings : undefined);
  if (!settings) throw new Error('startAuthHarness needs validator settings or dev: true.');
  validator.bind(createTokenValidator(settings(baseUrl)));

  return {
    baseUrl,
    directory,
    db,
    requests,
    logText: () => chunks.join(''),
    logLines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine),
    fetch: (path, init) => fetch(`${baseUrl}${path}`, init),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.close();
    },
  };
}

/** A unique request id, so a test can find exactly its own log lines. */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

export function bearer(token: string, requestId = newRequestId()): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'x-request-id': requestId };
}

export interface ErrorBody {
  error: { code: string; message: string };
}
