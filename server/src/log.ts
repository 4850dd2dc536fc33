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
];

/** Removes `access_token` (and any token-like query value) from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_token|id_token|code)=)[^&#]*/gi, '$1[redacted]');
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
