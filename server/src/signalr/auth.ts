import type { IncomingMessage } from 'node:http';
import type { AuthFailure, Authenticate } from './types';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The bearer token of a request: the `Authorization` header (negotiate, polls, POSTs, and WebSockets
 * from Node) or else the `access_token` query parameter (browsers' WebSockets, and SSE everywhere).
 */
export function tokenOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : BEARER.exec(header);
  if (match?.[1]) return match[1];
  return query.get('access_token') || undefined;
}

function isAuthFailure(value: unknown): value is AuthFailure {
  if (typeof value !== 'object' || value === null) return false;
  const { status, reason } = value as { status?: unknown; reason?: unknown };
  return (status === 401 || status === 403) && typeof reason === 'string';
}

export type AuthOutcome<P> =
  | { ok: true; principal: P; userId: string }
  /** `error` is set when the app's code threw: the server logs it. */
  | { ok: false; status: 401 | 403 | 500; reason: string; error?: unknown };

/** Runs the app's authenticate; a throw is a server fault (500), never an open door. */
export async function authenticateRequest<P>(
  authenticate: Authenticate<P>,
  userIdOf: (principal: P) => string,
  req: IncomingMessage,
  query: URLSearchParams,
): Promise<AuthOutcome<P>> {
  let result: P | AuthFailure;
  try {
    result = await authenticate(req, tokenOf(req, query));
  } catch (error) {
    return { ok: false, status: 500, reason: 'Authentication failed.', error };
  }
  if (isAuthFailure(result)) return { ok: false, status: result.status, reason: result.reason };
  if (result === undefined || result === null) return { ok: false, status: 401, reason: 'Unauthorized.' };
  let userId: string;
  try {
    userId = userIdOf(result);
  } catch (error) {
    return { ok: false, status: 500, reason: 'Authentication failed.', error };
  }
  if (typeof userId !== 'string' || userId.length === 0) {
    return {
      ok: false,
      status: 500,
      reason: 'Authentication failed.',
      error: new Error('userIdOf returned no id'),
    };
  }
  return { ok: true, principal: result, userId };
}

/** Headers that go with a refusal: a 401 names the scheme, as RFC 6750 asks. */
export function authFailureHeaders(status: number): Record<string, string> {
  return status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
}
