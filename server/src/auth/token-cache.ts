import { createHash } from 'node:crypto';
import type { TokenClaims, TokenResult } from './tokens';

/**
 * Verified tokens, so that a token is verified once and not on every request that carries it. A hub
 * connection presents its token twice (negotiate, then the WebSocket), and after a relay restart every
 * device does so at once: RS256 verification was a third of the relay's CPU in a 10,000-client
 * reconnect storm (BENCHMARKS.md, "Reconnect storm").
 *
 * - Keyed by the SHA-256 of the token: the token itself is never kept (nor logged).
 * - Only accepted tokens are kept, with their claims; a refusal is verified again each time.
 * - An entry is used while the token has not expired (`exp`, without the clock skew allowance: a token
 *   inside the skew window is simply verified again) and for at most `maxAgeMs` after it was verified,
 *   so a signing key the authority withdraws stops being honoured within the JWKS refresh (10 min)
 *   plus that age.
 * - Units are not here: the authenticator reads them from the staff directory on every request (H2).
 * - Bounded: past `maxEntries` the oldest entry goes.
 */
export interface TokenCacheOptions {
  maxEntries: number;
  maxAgeMs: number;
  /** The validator's clock (tests use a fake one), in ms since the epoch. */
  now: () => number;
}

interface Entry {
  claims: TokenClaims;
  /** The first moment the entry is no longer used (ms since the epoch). */
  until: number;
}

export const TOKEN_CACHE_DEFAULTS = { maxEntries: 20_000, maxAgeMs: 5 * 60_000 } as const;

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: TokenCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The claims of a token verified before and still valid, or undefined. */
  get(token: string): TokenClaims | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.options.now() >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return copyOf(entry.claims);
  }

  remember(token: string, claims: TokenClaims): void {
    const now = this.options.now();
    const until = Math.min(claims.expiresAt.getTime(), now + this.options.maxAgeMs);
    if (until <= now || this.options.maxEntries <= 0) return;
    const key = keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, { claims: copyOf(claims), until });
    // A Map iterates in insertion order: the first key is the oldest entry.
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** Wraps a verification so each accepted token is verified once within its cached lifetime. */
export function verifyOnce(
  cache: TokenCache,
  verify: (token: string) => Promise<TokenResult>,
): (token: string) => Promise<TokenResult> {
  return async (token) => {
    const cached = cache.get(token);
    if (cached) return { ok: true, claims: cached };
    const result = await verify(token);
    if (result.ok) cache.remember(token, result.claims);
    return result;
  };
}

function keyOf(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

/** Callers get their own arrays and date, so nothing one request does can change another's claims. */
function copyOf(claims: TokenClaims): TokenClaims {
  return {
    ...claims,
    roles: [...claims.roles],
    groups: claims.groups === undefined ? undefined : [...claims.groups],
    scopes: [...claims.scopes],
    expiresAt: new Date(claims.expiresAt.getTime()),
  };
}
