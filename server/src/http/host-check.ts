import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Which `Host` a request may name (docs/SECURITY.md N2). A DNS-rebinding page runs on the attacker's
 * name that now points at the relay: its requests carry the attacker's Host, and the hub's "same host"
 * Origin check passes because Origin and Host agree. Only names that are the relay's own are answered:
 * the configured public origin, and loopback names when it listens on loopback.
 */

/** Probes and scrapers name the relay by pod IP; these routes hold no patient data (metrics: a token). */
const ANY_HOST_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface HostCheck {
  /** True when the request names the relay (or asks a probe path, answered on any name). */
  allows(req: IncomingMessage, pathname: string): boolean;
  /** The WebSocket origin the PWA served for this request connects back to, for the CSP. */
  socketOrigin(req: IncomingMessage): string;
}

export function createHostCheck({
  publicOrigin,
  listening,
}: {
  /** `PUBLIC_ORIGIN`, e.g. `https://wardline.hospital.example`; null when not configured. */
  publicOrigin: string | null;
  /** Where the relay listens; read per request because port 0 is chosen at listen time. */
  listening: () => AddressInfo | null;
}): HostCheck {
  const publicHost = publicOrigin ? new URL(publicOrigin).host.toLowerCase() : null;
  function isOwnName(host: string): boolean {
    const name = host.toLowerCase();
    if (publicHost && name === publicHost) return true;
    const address = listening();
    if (!address || !isLoopbackHost(address.address)) return false;
    // Any port: a rebinding page names the attacker's host, never a loopback one, and the PWA's
    // development server (vite, on its own port) proxies with its own loopback Host.
    const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(name);
    return !!m && isLoopbackHost(m[1]!);
  }
  return {
    allows(req, pathname) {
      if (ANY_HOST_PATHS.has(pathname)) return true;
      const host = req.headers.host;
      return typeof host === 'string' && isOwnName(host);
    },
    socketOrigin(req) {
      const host = (req.headers.host ?? '').toLowerCase();
      if (publicOrigin && host === publicHost) return publicOrigin.replace(/^http/, 'ws');
      return `ws://${host}`;
    },
  };
}
