import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticOptions {
  /**
   * Origins of the identity provider (MSAL's discovery, key and token fetches, and its silent-renewal
   * iframe). Nothing else outside the relay is ever allowed.
   */
  authorityOrigins?: readonly string[];
  /**
   * The relay's own WebSocket origin for this request (`ws://127.0.0.1:8080`, `wss://wardline.example`):
   * `'self'` does not cover ws:/wss: in every browser, and `ws: wss:` alone would allow any host.
   */
  socketOrigin?: (req: IncomingMessage) => string;
}

/** MSAL's redirect bridge (`src/auth/redirect-bridge.ts`): the only page that may be framed, by us. */
export const REDIRECT_BRIDGE_PAGE = '/redirect.html';

/**
 * The PWA's pages may talk only to the relay itself and to the hospital's identity provider; no inline
 * script, no framing. Patient data never leaves through a third-party request because none is allowed.
 * The redirect bridge is the exception to "no framing": MSAL's silent renewal loads it in a hidden
 * iframe of the app's own page, so it allows `frame-ancestors 'self'`.
 */
export function contentSecurityPolicy({
  authorityOrigins = [],
  framedBySelf = false,
  socketOrigin,
}: { authorityOrigins?: readonly string[]; framedBySelf?: boolean; socketOrigin?: string } = {}): string {
  const authority = authorityOrigins.map((o) => ` ${o}`).join('');
  const sockets = socketOrigin ? ` ${socketOrigin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${sockets}${authority}`,
    `frame-src 'self'${authority}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    framedBySelf ? "frame-ancestors 'self'" : "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** The PWA's service worker (vite.config.ts, src/sw.ts): its scope is the whole app. */
export const SERVICE_WORKER_PATH = '/sw.js';

/** Hashed build assets never change under the same name; everything else is revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built PWA from `root`: files by path, and `index.html` for any other GET that looks like
 * an app route (so deep links such as /tasks/abc work on reload). Returns false when it did not answer.
 */
export function createStaticHandler(
  root: string,
  options: StaticOptions = {},
): (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean {
  const policies = (req: IncomingMessage) => {
    const shared = {
      authorityOrigins: options.authorityOrigins ?? [],
      ...(options.socketOrigin ? { socketOrigin: options.socketOrigin(req) } : {}),
    };
    return {
      pagePolicy: contentSecurityPolicy(shared),
      bridgePolicy: contentSecurityPolicy({ ...shared, framedBySelf: true }),
    };
  };
  return (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!existsSync(join(root, 'index.html'))) return false;
    let file = safeJoin(root, decodeURIComponent(pathname));
    if (file && (!existsSync(file) || !statSync(file).isFile())) file = null;
    if (!file) {
      // Unknown paths with an extension are missing files, not app routes.
      if (extname(pathname) !== '') return false;
      file = join(root, 'index.html');
    }
    const isPage = extname(file) === '.html';
    const isBridge = file === join(root, REDIRECT_BRIDGE_PAGE);
    // A worker's CSP is the one on its own script's response, not its page's: the same policy for both.
    const isWorkerScript = pathname === SERVICE_WORKER_PATH;
    // Everything outside /assets/ — index.html, the worker script, the web app manifest, icons — is
    // revalidated on every use, so a deploy reaches devices at their next update check.
    const isHashedAsset = pathname.startsWith('/assets/');
    const stat = statSync(file);
    const encoding = COMPRESSIBLE.has(extname(file))
      ? preferredEncoding(req.headers['accept-encoding'])
      : null;
    const { pagePolicy, bridgePolicy } = policies(req);
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': isHashedAsset ? IMMUTABLE : 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      // no-referrer also keeps the bridge's URL (which briefly holds the sign-in code) out of Referer.
      ...(isPage
        ? {
            'content-security-policy': isBridge ? bridgePolicy : pagePolicy,
            'referrer-policy': 'no-referrer',
          }
        : {}),
      ...(isWorkerScript ? { 'content-security-policy': pagePolicy } : {}),
    };
    const answer = (body: Buffer | null) => {
      if (res.destroyed) return;
      res.writeHead(200, {
        ...headers,
        'content-length': body ? body.length : stat.size,
        ...(body && encoding ? { 'content-encoding': encoding } : {}),
      });
      if (req.method === 'HEAD') res.end();
      else if (body) res.end(body);
      else createReadStream(file).pipe(res);
    };
    if (!encoding) answer(null);
    // A file that cannot be compressed is still served, uncompressed.
    else compressed(file, stat.mtimeMs, stat.size, encoding).then(answer, () => answer(null));
    return true;
  };
}

/** Text assets shrink three- to fivefold: on a phone's cellular link that is the first paint. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt']);

type Encoding = 'br' | 'gzip';

function preferredEncoding(header: string | string[] | undefined): Encoding | null {
  const accepted = (Array.isArray(header) ? header.join(',') : (header ?? '')).toLowerCase();
  if (/\bbr\b/.test(accepted)) return 'br';
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  return null;
}

/**
 * Each file is compressed once per version (path, mtime, size) and kept: the build is a few hundred KB
 * and never changes under a running relay except by a redeploy, which changes mtimes. Compression runs
 * on libuv's thread pool, never on the event loop: brotli at quality 11 takes ~1 s for the largest
 * chunk, and done synchronously it held every socket of a freshly started relay (sync pages, pushes,
 * sign-ins) for that second, on each file's first request. Requests for a file being compressed wait
 * for the same work.
 */
const compressedCache = new Map<string, Promise<Buffer>>();
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

function compressed(file: string, mtimeMs: number, size: number, encoding: Encoding): Promise<Buffer> {
  const key = `${encoding}:${file}:${mtimeMs}:${size}`;
  let body = compressedCache.get(key);
  if (!body) {
    const raw = readFileSync(file);
    body =
      encoding === 'br'
        ? brotli(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } })
        : gzipAsync(raw, { level: 9 });
    // A failure is not kept: the next request tries again.
    body.catch(() => compressedCache.delete(key));
    compressedCache.set(key, body);
  }
  return body;
}

function safeJoin(root: string, pathname: string): string | null {
  const path = normalize(join(root, pathname));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  return path;
}
