import type { ServerResponse } from 'node:http';
import { REJECTION_CODES } from '../../../src/domain';
import { sendJson } from './json';

/**
 * The closed set of error codes the relay's HTTP API answers with (`{ error: { code, message } }`): the
 * domain's rejection codes, which the hub also returns, and those only HTTP has.
 */
export const ERROR_CODES = [
  ...REJECTION_CODES,
  'unauthorized',
  'method-not-allowed',
  'too-large',
  'unsupported-media-type',
  'unavailable',
  'internal',
  // A push endpoint registered to someone else: the device must make a fresh subscription.
  'push-endpoint-taken',
  // A request naming a host that is not the relay's (DNS rebinding, a stray proxy).
  'wrong-host',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one place an error code becomes an HTTP status; every route answers through it. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'invalid':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not-found':
      return 404;
    case 'method-not-allowed':
      return 405;
    // Both are the task's current state refusing the action, not a fault of the request's form.
    case 'conflict':
    case 'closed':
    case 'push-endpoint-taken':
      return 409;
    case 'too-large':
      return 413;
    case 'unsupported-media-type':
      return 415;
    case 'wrong-host':
      return 421;
    case 'internal':
      return 500;
    case 'unavailable':
      return 503;
    default: {
      const unknown: never = code;
      throw new Error(`No HTTP status for error code ${String(unknown)}`);
    }
  }
}

/** Every error the HTTP API returns has this shape: a code from the closed set and a sentence. */
export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): void {
  sendJson(res, statusOf(code), { error: { code, message } }, headers);
}
