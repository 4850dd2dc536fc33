import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../../src/domain/principal';
import { sendError, type ErrorCode } from '../http/errors';
import { redactUrl, type Logger } from '../log';
import type { StaffDirectory } from './directory';
import { authorize, type Permission, type PolicyContext, type PolicyDecision } from './policy';
import type { TokenClaims, TokenRejection, TokenValidator } from './tokens';

export interface AuthenticateOptions {
  /**
   * Also look at the `access_token` query parameter. Only the SignalR transports need it: browsers
   * cannot set headers on a WebSocket or an EventSource. Everything else sends the Authorization header.
   */
  allowQueryToken?: boolean;
  /** The request id for the log line; the `x-request-id` header otherwise. */
  requestId?: string;
}

export type AuthFailure = {
  ok: false;
  /** `unauthorized`: the caller must sign in again. `unavailable`: the authority's keys could not be fetched; retry. */
  code: Extract<ErrorCode, 'unauthorized' | 'unavailable'>;
  reason: TokenRejection;
};
export type AuthResult = { ok: true; principal: Principal; claims: TokenClaims } | AuthFailure;

export interface Authenticator {
  authenticate(req: IncomingMessage, options?: AuthenticateOptions): Promise<AuthResult>;
}

export interface AuthenticatorDeps {
  validator: TokenValidator;
  directory: StaffDirectory;
  logger: Logger;
}

type Extracted =
  { ok: true; token: string; source: 'header' | 'query' } | { ok: false; reason: TokenRejection };

export function createAuthenticator({ validator, directory, logger }: AuthenticatorDeps): Authenticator {
  return {
    async authenticate(req, options = {}) {
      const extracted = extractToken(req, options.allowQueryToken ?? false);
      const result = extracted.ok ? await validator.validate(extracted.token) : extracted;
      if (!result.ok) {
        const failure: AuthFailure = {
          ok: false,
          code: result.reason.code === 'keys-unavailable' ? 'unavailable' : 'unauthorized',
          reason: result.reason,
        };
        // Logged here, once, and never with the token: a reason code, a sentence and where it happened.
        logger.warn(
          {
            event: 'auth.rejected',
            reason: result.reason.code,
            requestId: options.requestId ?? requestIdOf(req),
            method: req.method,
            path: redactUrl(req.url ?? ''),
            tokenSource: extracted.ok ? extracted.source : undefined,
          },
          result.reason.message,
        );
        return failure;
      }
      const { claims } = result;
      // Read on every request: a move in the directory applies to the next request with the same token.
      const units = await directory.admit({
        tenantId: claims.tenantId,
        objectId: claims.objectId,
        name: claims.name,
        roles: claims.roles,
        groups: claims.groups,
      });
      const principal: Principal = {
        id: claims.objectId,
        tenantId: claims.tenantId,
        name: claims.name,
        roles: claims.roles,
        units,
      };
      return { ok: true, principal, claims };
    },
  };
}

function extractToken(req: IncomingMessage, allowQueryToken: boolean): Extracted {
  const header = req.headers.authorization;
  if (header !== undefined && header.trim() !== '') {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match?.[1]) {
      return {
        ok: false,
        reason: { code: 'malformed', message: 'The Authorization header must be "Bearer <access token>".' },
      };
    }
    return { ok: true, token: match[1], source: 'header' };
  }
  const queryToken = new URL(req.url ?? '/', 'http://relay.invalid').searchParams.get('access_token');
  if (queryToken) {
    if (allowQueryToken) return { ok: true, token: queryToken, source: 'query' };
    return {
      ok: false,
      reason: {
        code: 'missing-token',
        message:
          'A token in the query string is accepted only by the worklist hub transports: send it in the Authorization header.',
      },
    };
  }
  // Cookies are never read: a cookie is sent by the browser on its own, which would open the door to
  // cross-site request forgery; a bearer header is only ever sent on purpose.
  const message = req.headers.cookie
    ? 'No bearer token in the Authorization header (a token in a cookie is not accepted).'
    : 'No bearer token: send "Authorization: Bearer <access token>".';
  return { ok: false, reason: { code: 'missing-token', message } };
}

/** Only a plain id is logged from the caller's header, so nothing else can ride along into the log. */
function requestIdOf(req: IncomingMessage): string | undefined {
  const raw = req.headers['x-request-id'];
  const id = Array.isArray(raw) ? raw[0] : raw;
  return id && /^[\w.:-]{1,64}$/.test(id) ? id : undefined;
}

/**
 * The HTTP answer to a failed authentication, in one place. RFC 6750: `WWW-Authenticate: Bearer`, with
 * `error="invalid_token"` when a token was presented and refused.
 */
export function sendAuthFailure(res: ServerResponse, failure: AuthFailure): void {
  if (failure.code === 'unavailable') {
    sendError(res, 'unavailable', failure.reason.message, { 'retry-after': '5' });
    return;
  }
  const challenge =
    failure.reason.code === 'missing-token'
      ? 'Bearer realm="wardline"'
      : 'Bearer realm="wardline", error="invalid_token"';
  sendError(res, 'unauthorized', failure.reason.message, { 'www-authenticate': challenge });
}

/** The HTTP answer to a policy refusal. */
export function sendForbidden(res: ServerResponse, decision: Extract<PolicyDecision, { ok: false }>): void {
  sendError(res, decision.code, decision.message);
}

export interface GuardOptions extends AuthenticateOptions {
  context?: PolicyContext;
}

export type RequestGuard = (
  req: IncomingMessage,
  res: ServerResponse,
  permission: Permission,
  options?: GuardOptions,
) => Promise<Principal | undefined>;

/**
 * Authenticate, then authorize, for an HTTP route: returns the principal, or answers 401/403/503 itself
 * and returns undefined. Usage: `const principal = await guard(req, res, 'events.ingest'); if (!principal) return;`
 */
export function createRequestGuard({
  authenticator,
  logger,
}: {
  authenticator: Authenticator;
  logger: Logger;
}): RequestGuard {
  return async (req, res, permission, options = {}) => {
    const result = await authenticator.authenticate(req, options);
    if (!result.ok) {
      sendAuthFailure(res, result);
      return undefined;
    }
    const decision = authorize(result.principal, permission, options.context);
    if (!decision.ok) {
      logger.warn(
        {
          event: 'auth.forbidden',
          permission,
          staffId: result.principal.id,
          requestId: options.requestId ?? requestIdOf(req),
          method: req.method,
          path: redactUrl(req.url ?? ''),
        },
        decision.message,
      );
      sendForbidden(res, decision);
      return undefined;
    }
    return result.principal;
  };
}
