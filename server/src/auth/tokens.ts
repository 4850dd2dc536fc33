import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import { ROLES, type Role } from '../../../src/domain/principal';
import { TOKEN_CACHE_DEFAULTS, TokenCache, verifyOnce } from './token-cache';

/**
 * Access-token validation: one function for Entra v1, Entra v2, any OIDC authority and the development
 * issuer alike. Only the settings differ; see CONTEXT.md for the footguns.
 */
export interface TokenValidatorSettings {
  /** The exact `iss` value. Entra v1 and v2 differ here (see config.ts). */
  issuer: string;
  /** Accepted `aud` values: this API's client id and/or App ID URI, never another API's. */
  audiences: string[];
  jwksUri: string;
  clockSkewSeconds: number;
  /** A delegated token's `scp` must contain it; app-only tokens (no `scp`) may then hold only `Ingest`. */
  requiredScope?: string;
  /** Replaces the global fetch for the JWKS requests (proxies, tests). */
  fetch?: typeof fetch;
  /** Minimum time between two JWKS fetches triggered by unknown `kid`s; tests shorten it. */
  jwksCooldownMs?: number;
  /** The clock, for tests; the system clock otherwise. */
  now?: () => Date;
  /** Accepted tokens are verified once and remembered (token-cache.ts); tests may resize it. */
  tokenCache?: { maxEntries?: number; maxAgeMs?: number };
}

/** What the relay keeps from a valid token. Units are not here: they come from the staff directory. */
export interface TokenClaims {
  tenantId: string;
  objectId: string;
  name: string;
  /** Known Wardline roles only; unknown role values are dropped. Never empty. */
  roles: Role[];
  /**
   * Entra group object ids (used only to seed the directory); `[]` when there is no groups claim, and
   * `undefined` when Entra left them out for having too many (overage: `_claim_names.groups`).
   */
  groups: string[] | undefined;
  /** Delegated scopes from `scp`; empty for an app-only token. */
  scopes: string[];
  /** No `scp`: the token was issued to an application (client credentials), not a person. */
  appOnly: boolean;
  expiresAt: Date;
}

export const TOKEN_REJECTION_CODES = [
  'missing-token',
  'malformed',
  'algorithm-not-allowed',
  'unknown-key',
  'bad-signature',
  'expired',
  'not-yet-valid',
  'wrong-issuer',
  'wrong-audience',
  'missing-claim',
  'missing-scope',
  'no-known-role',
  'keys-unavailable',
] as const;
export type TokenRejectionCode = (typeof TOKEN_REJECTION_CODES)[number];

/** Why a token was refused: a code from a closed set and a sentence for the log and the caller. */
export interface TokenRejection {
  code: TokenRejectionCode;
  message: string;
}

export type TokenResult = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenRejection };

export interface TokenValidator {
  validate(token: string): Promise<TokenResult>;
}

/** RS256 only: `none` and every HS* are refused before any key is looked up (no key confusion). */
const ALLOWED_ALGORITHMS = ['RS256'];
/** jose's default, stated: an unknown `kid` refetches the key set at most every 30 s, so a stream of
 * made-up kids cannot hammer the authority; a real key rollover is picked up within that time. */
const JWKS_REFETCH_COOLDOWN_MS = 30_000;
/** Keys are refetched every 10 minutes even without an unknown kid, so a revoked key leaves soon. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** A slow authority must not hold requests for long; the request fails and the client retries. */
const JWKS_TIMEOUT_MS = 5_000;
/** Entra access tokens are 1–3 KB; anything far larger is not a token and is not worth parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;

const KNOWN_ROLES: ReadonlySet<string> = new Set(ROLES);

export function createTokenValidator(settings: TokenValidatorSettings): TokenValidator {
  const keys = createRemoteJWKSet(new URL(settings.jwksUri), {
    cooldownDuration: settings.jwksCooldownMs ?? JWKS_REFETCH_COOLDOWN_MS,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
    ...(settings.fetch ? { [customFetch]: settings.fetch } : {}),
  });

  const cache = new TokenCache({
    ...TOKEN_CACHE_DEFAULTS,
    ...settings.tokenCache,
    now: () => (settings.now ? settings.now().getTime() : Date.now()),
  });
  const verify = verifyOnce(cache, async (token): Promise<TokenResult> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ALLOWED_ALGORITHMS,
        issuer: settings.issuer,
        audience: settings.audiences,
        clockTolerance: settings.clockSkewSeconds,
        // A token without exp would never expire.
        requiredClaims: ['exp'],
        ...(settings.now ? { currentDate: settings.now() } : {}),
      }));
    } catch (error) {
      return { ok: false, reason: rejectionFromError(error, settings) };
    }
    return claimsFromPayload(payload, settings);
  });

  return {
    validate(token) {
      if (token.length === 0) return Promise.resolve(reject('missing-token', 'The bearer token is empty.'));
      if (token.length > MAX_TOKEN_LENGTH) {
        return Promise.resolve(
          reject(
            'malformed',
            `The bearer token is ${token.length} characters long, which no access token is.`,
          ),
        );
      }
      return verify(token);
    },
  };
}

function claimsFromPayload(payload: JWTPayload, settings: TokenValidatorSettings): TokenResult {
  const tenantId = stringClaim(payload, 'tid');
  const objectId = stringClaim(payload, 'oid');
  if (!tenantId || !objectId) {
    const missing = [tenantId ? undefined : 'tid', objectId ? undefined : 'oid']
      .filter(Boolean)
      .join(' and ');
    return reject(
      'missing-claim',
      `The token has no ${missing} claim, so the relay cannot tell who is asking.`,
    );
  }
  const scopes = (stringClaim(payload, 'scp') ?? '').split(' ').filter(Boolean);
  const appOnly = scopes.length === 0;
  const claimed = stringArrayClaim(payload, 'roles');
  let roles = claimed.filter((r): r is Role => KNOWN_ROLES.has(r));

  if (settings.requiredScope !== undefined) {
    if (!appOnly && !scopes.includes(settings.requiredScope)) {
      return reject(
        'missing-scope',
        `The token was issued for the scopes "${clip(scopes.join(' '))}", not for ${settings.requiredScope}: request this API's ${settings.requiredScope} scope.`,
      );
    }
    if (appOnly) {
      // Applications (client credentials) get no scp. They may feed events, never act as a person.
      roles = roles.filter((r) => r === 'Ingest');
      if (roles.length === 0) {
        return reject(
          'missing-scope',
          `The token has no scp claim (an application token) and applications may hold only the Ingest role: people sign in with the ${settings.requiredScope} scope.`,
        );
      }
    }
  }
  if (roles.length === 0) {
    const seen =
      claimed.length > 0 ? `its roles (${clip(claimed)}) are not Wardline roles` : 'it has no roles claim';
    return reject(
      'no-known-role',
      `The token carries no Wardline role: ${seen}. Assign one of ${ROLES.join(', ')} to this account in the API's app roles.`,
    );
  }
  const name =
    stringClaim(payload, 'name') ??
    stringClaim(payload, 'preferred_username') ??
    stringClaim(payload, 'unique_name') ??
    stringClaim(payload, 'upn') ??
    objectId;
  return {
    ok: true,
    claims: {
      tenantId,
      objectId,
      name,
      roles: [...new Set(roles)],
      groups: groupsOverflowed(payload) ? undefined : stringArrayClaim(payload, 'groups'),
      scopes,
      appOnly,
      // requiredClaims guarantees exp.
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    },
  };
}

/** Maps jose's errors to the closed set of reasons. The token itself never appears in a message. */
function rejectionFromError(error: unknown, settings: TokenValidatorSettings): TokenRejection {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const claim = typeof error === 'object' && error !== null && 'claim' in error ? String(error.claim) : '';
  const payload: JWTPayload =
    typeof error === 'object' && error !== null && 'payload' in error ? (error.payload as JWTPayload) : {};
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return {
        code: 'expired',
        message: `The token expired at ${isoFromSeconds(payload.exp)}; sign in again or refresh the token.`,
      };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') {
        return {
          code: 'not-yet-valid',
          message: `The token is not valid before ${isoFromSeconds(payload.nbf)} (clock skew allowed: ${settings.clockSkewSeconds} s); check the device's clock.`,
        };
      }
      if (claim === 'iss') {
        return {
          code: 'wrong-issuer',
          message: `The token was issued by "${clip(payload.iss)}", not by the configured "${settings.issuer}" (Entra v1 and v2 tokens differ here: check AUTH_TOKEN_VERSION).`,
        };
      }
      if (claim === 'aud') {
        return {
          code: 'wrong-audience',
          message: `The token is for "${clip(payload.aud)}", not for this API (${settings.audiences.join(', ')}).`,
        };
      }
      if (claim === 'exp') return { code: 'malformed', message: 'The token has no expiry (exp claim).' };
      return { code: 'malformed', message: `The token's ${claim || 'claims'} claim is invalid.` };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return {
        code: 'algorithm-not-allowed',
        message: 'The token is not signed with RS256, the only algorithm accepted.',
      };
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return {
        code: 'unknown-key',
        message: "The token's signing key (kid) is not in the authority's key set, even after refetching it.",
      };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return {
        code: 'bad-signature',
        message: 'The token signature does not verify: it was altered or not issued by the authority.',
      };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { code: 'malformed', message: 'The bearer value is not a well-formed signed JWT.' };
    default:
      // Fetch failures, timeouts, a key set that is not JSON: the authority is unreachable, not the caller wrong.
      return {
        code: 'keys-unavailable',
        message: `The authority's signing keys could not be fetched from ${settings.jwksUri}; try again shortly.`,
      };
  }
}

function reject(code: TokenRejectionCode, message: string): TokenResult {
  return { ok: false, reason: { code, message } };
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function stringArrayClaim(payload: JWTPayload, name: string): string[] {
  const value = payload[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Past 200 groups Entra sends a pointer to Microsoft Graph instead of the list. */
function groupsOverflowed(payload: JWTPayload): boolean {
  const names = payload._claim_names;
  return (typeof names === 'object' && names !== null && 'groups' in names) || payload.hasgroups === true;
}

function isoFromSeconds(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'an unknown time';
}

/** Claim values are the caller's text: quoted in messages, but never long enough to flood a log line. */
function clip(value: unknown, max = 200): string {
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A validator whose settings are known only later: the development issuer's URL contains the port the
 * relay listens on. Requests before `bind` are refused as `keys-unavailable` (503), never let through.
 */
export function createDeferredValidator(): TokenValidator & { bind(validator: TokenValidator): void } {
  let current: TokenValidator | undefined;
  return {
    bind(validator) {
      current = validator;
    },
    validate(token) {
      if (!current) {
        return Promise.resolve(
          reject('keys-unavailable', 'The relay is still starting; try again in a moment.'),
        );
      }
      return current.validate(token);
    },
  };
}
