import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, type AgentOptions } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where the relay may send a Web Push (docs/SECURITY.md P1–P5). A subscription's endpoint is a URL the
 * relay will connect to later, when an alert fires: left open, anyone signed in could aim the relay at
 * the hospital's own network (a loopback admin port, a metadata service, a printer). Only the browser
 * vendors' push services are real destinations, so only their hosts are accepted.
 */

/** The push services of Chrome/Edge-on-Android (FCM), Firefox, Edge on Windows (WNS) and Safari. */
export const DEFAULT_PUSH_SERVICE_HOSTS = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.notify.windows.com',
  'web.push.apple.com',
] as const;

/** A push service that answers slower than this is not going to deliver an escalation in time. */
export const PUSH_REQUEST_TIMEOUT_MS = 10_000;

/** Addresses that are not on the public internet: loopback, private, link-local, shared, reserved. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** True for an address a push service could have; IPv4-mapped IPv6 is judged as its IPv4. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped?.[1] ?? address;
  const family = isIP(ip);
  if (family === 0) return false;
  return !NON_PUBLIC.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** `fcm.googleapis.com` matches itself; `*.notify.windows.com` matches any name under it (not itself). */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? name.endsWith(p.slice(1)) && name.length > p.length - 1 : name === p;
  });
}

export type EndpointVerdict = { ok: true } | { ok: false; reason: string };

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, addresses: LookupAddress[]) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address)),
    ),
  );

export interface PushEndpointPolicyOptions {
  /** Host patterns of the accepted push services (`PUSH_SERVICE_HOSTS`); the vendors' by default. */
  hosts: readonly string[];
  /**
   * Test-only: exact origins (`https://127.0.0.1:43121`) accepted without the host and address checks,
   * for the loopback push service the tests run. Never set from the environment.
   */
  testOrigins?: readonly string[];
  resolve?: Resolver;
}

export interface PushEndpointPolicy {
  /** Whether a subscription with this endpoint may be stored; the reason is a sentence for the caller. */
  check(endpoint: string): Promise<EndpointVerdict>;
  /** The same rule without DNS, for rows already stored (checked again before every send). */
  allowedHost(endpoint: string): boolean;
}

export function createPushEndpointPolicy({
  hosts,
  testOrigins = [],
  resolve = systemResolver,
}: PushEndpointPolicyOptions): PushEndpointPolicy {
  const refuse = (reason: string): EndpointVerdict => ({ ok: false, reason });
  function staticVerdict(endpoint: string): EndpointVerdict | URL {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return refuse('The endpoint is not a URL.');
    }
    if (testOrigins.includes(url.origin)) return { ok: true };
    if (url.protocol !== 'https:') return refuse('The endpoint must be an https URL from the browser.');
    if (url.username || url.password) return refuse('The endpoint must not carry a user name or password.');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) return refuse('The endpoint must name a push service, not an IP address.');
    if (url.port && url.port !== '443') return refuse('The endpoint must use the push service’s own port.');
    if (!hostAllowed(host, hosts))
      return refuse(`${host} is not a push service this relay sends to (PUSH_SERVICE_HOSTS).`);
    return url;
  }
  return {
    async check(endpoint) {
      const verdict = staticVerdict(endpoint);
      if (!(verdict instanceof URL)) return verdict;
      let addresses: string[];
      try {
        addresses = await resolve(verdict.hostname);
      } catch {
        return refuse(`${verdict.hostname} could not be resolved; try again in a moment.`);
      }
      if (addresses.length === 0 || !addresses.every(isPublicAddress))
        return refuse(`${verdict.hostname} resolves to an address that is not on the public internet.`);
      return { ok: true };
    },
    allowedHost(endpoint) {
      const verdict = staticVerdict(endpoint);
      return verdict instanceof URL || verdict.ok;
    },
  };
}

/**
 * The name is resolved again when the push is sent, and a name that has since been pointed inward (DNS
 * rebinding) is refused at connect time: this lookup is what the HTTPS agent uses to connect.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 4);
    const inward = addresses.find((a) => !isPublicAddress(a.address));
    if (inward || addresses.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves to a non-public address`), {
        code: 'ENOTPUBLIC',
      });
      return callback(refused, '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};

/** The agent for real push services: public addresses only, and no socket left hanging. */
export function publicPushAgent(options: AgentOptions = {}): Agent {
  return new Agent({
    keepAlive: true,
    timeout: PUSH_REQUEST_TIMEOUT_MS,
    lookup: publicOnlyLookup,
    ...options,
  });
}
