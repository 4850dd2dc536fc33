import type { IncomingMessage, ServerResponse } from 'node:http';

/** The client's negotiate, poll, send and DELETE requests; OPTIONS is the preflight itself. */
const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
/** Browsers may reuse a preflight answer this long (seconds); Chromium caps it at 7200. */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * Which browser origins may use the hub. The client sends credentials by default (`withCredentials`),
 * so the allowed origin is echoed exactly (never `*`) with `Access-Control-Allow-Credentials: true`.
 * Browsers run no CORS check for WebSockets, so upgrades are checked against the same policy here.
 */
export class OriginPolicy {
  private readonly allowed: Set<string>;

  constructor(allowedOrigins: readonly string[]) {
    this.allowed = new Set(allowedOrigins.map(normalizeOrigin));
  }

  /**
   * No Origin: not a browser (the Node client, curl), nothing to protect against. Same host: the PWA
   * served by the relay itself, whose same-origin POSTs and WebSockets still carry an Origin header.
   */
  isAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.allowed.has(normalizeOrigin(origin))) return true;
    return isSameHost(origin, req.headers.host);
  }

  /** Adds the CORS answer headers for an allowed cross-origin request. */
  applyHeaders(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }

  /** Answers an OPTIONS preflight: 204 with the methods and the very headers the browser asked for. */
  answerPreflight(req: IncomingMessage, res: ServerResponse): void {
    if (!this.isAllowed(req)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Origin not allowed.');
      return;
    }
    this.applyHeaders(req, res);
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
    const requested = req.headers['access-control-request-headers'];
    if (requested) res.setHeader('Access-Control-Allow-Headers', requested);
    res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
    res.setHeader('Allow', ALLOWED_METHODS);
    res.writeHead(204);
    res.end();
  }
}

function isSameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
