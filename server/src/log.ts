import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Log keys whose values must never reach a log line. Patient data is kept out by discipline (log ids,
 * never names); secrets are kept out by this list as a second fence.
 */
const REDACT_PATHS = [
  'token',
  'accessToken',
  'access_token',
  'authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.token',
  '*.accessToken',
  '*.authorization',
  'connectionToken',
  '*.connectionToken',
];

/**
 * Query parameters whose values are secrets, by name after percent-decoding and lower-casing (docs/
 * SECURITY.md L1): `%61ccess_token` and `ACCESS_TOKEN` are `access_token`. `id` is the SignalR
 * connection token, which lets whoever holds it read that connection's stream (L2).
 */
const SECRET_QUERY_NAMES = new Set([
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'code',
  'id',
  'client_secret',
  'password',
  'assertion',
]);

/** Looks like a JWT (three base64url parts, the first a JSON header): redacted under any name. */
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/;

/** Percent-decoding that never throws: a malformed sequence stays as written. */
function lenientDecode(text: string): string {
  return text.replace(/\+/g, ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Errors are logged by name and message only: a stack or a request body could carry patient data. */
export function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'NonError', message: typeof error };
}

/** A URL fit for a log line: every secret query value replaced by `[redacted]`, the path kept. */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  if (q === -1) return withoutFragment;
  const query = withoutFragment
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      const name = lenientDecode(rawName).trim().toLowerCase();
      const value = eq === -1 ? '' : lenientDecode(pair.slice(eq + 1));
      const secret = SECRET_QUERY_NAMES.has(name) || JWT_SHAPE.test(value.trim());
      return secret ? `${rawName}=[redacted]` : pair;
    })
    .join('&');
  return `${withoutFragment.slice(0, q)}?${query}`;
}

export interface LogOptions {
  level?: string;
  /** Where to write: stdout by default; tests pass a stream to read the lines back. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'wardline-relay' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
