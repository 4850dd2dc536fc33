import { list, value, type Env } from '../env';
import { z } from 'zod';

/**
 * The relay's identity settings, read from the environment. Two ways to name the authority:
 * - Microsoft Entra ID: `AUTH_TENANT_ID` + `AUTH_API_CLIENT_ID` (+ `AUTH_API_APP_ID_URI`,
 *   `AUTH_TOKEN_VERSION`), from which issuer, audiences and JWKS URI are derived;
 * - any OIDC authority: `AUTH_ISSUER`, `AUTH_AUDIENCE` (comma list) and `AUTH_JWKS_URI`, which also
 *   override the derived Entra values one by one.
 * Parsing never throws: every problem is one sentence, so the relay can print them all and exit.
 */
export interface AuthConfig {
  provider: 'entra' | 'oidc';
  /** The exact `iss` the tokens carry. */
  issuer: string;
  /** Accepted `aud` values; a token must name one of them. */
  audiences: string[];
  jwksUri: string;
  clockSkewSeconds: number;
  /** When set, a delegated token's `scp` must contain it (the bare scope name, e.g. `Worklist.Access`). */
  requiredScope?: string;
  /** Entra group object id → unit, to seed the staff directory for people an admin has not placed. */
  groupUnits: Record<string, string>;
}

export interface AuthConfigResult {
  /** Undefined when no identity provider is configured (development mode) or when there are problems. */
  config: AuthConfig | undefined;
  problems: string[];
}

export type { Env };

export type RelayMode = 'development' | 'production';

/** Matches Entra's clock tolerance guidance: tablets and VMs drift by seconds, not minutes. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
/** Beyond five minutes a skew setting hides a broken clock rather than tolerating drift. */
const MAX_CLOCK_SKEW_SECONDS = 300;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCOPE_NAME = /^[^\s/]+$/;

const GroupUnits = z.record(z.string().regex(GUID), z.string().trim().min(1).max(64));

/** True when the environment names an identity provider: the relay then defaults to production mode. */
export function identityProviderConfigured(env: Env): boolean {
  return Boolean(value(env, 'AUTH_TENANT_ID') ?? value(env, 'AUTH_ISSUER'));
}

/**
 * Development mode signs tokens with a key that sits in the data folder and lets anyone pick who they
 * are: it must never run where `NODE_ENV=production`. Returns the one sentence to exit with, or nothing.
 */
export function assertModeAllowed(mode: RelayMode, env: Env): string | undefined {
  if (mode === 'development' && value(env, 'NODE_ENV') === 'production') {
    return 'Development mode (demo sign-in) is refused when NODE_ENV=production: configure an identity provider (AUTH_TENANT_ID and AUTH_API_CLIENT_ID, or AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI) or unset NODE_ENV.';
  }
  return undefined;
}

export function parseAuthConfig(env: Env): AuthConfigResult {
  const problems: string[] = [];
  if (!identityProviderConfigured(env)) return { config: undefined, problems };

  const tenantId = value(env, 'AUTH_TENANT_ID');
  const clientId = value(env, 'AUTH_API_CLIENT_ID');
  const appIdUri = value(env, 'AUTH_API_APP_ID_URI');
  const issuerOverride = value(env, 'AUTH_ISSUER');
  const audienceOverride = list(value(env, 'AUTH_AUDIENCE'));
  const jwksOverride = value(env, 'AUTH_JWKS_URI');

  let issuer = issuerOverride;
  let audiences = audienceOverride;
  let jwksUri = jwksOverride;
  const provider = tenantId ? 'entra' : 'oidc';

  if (tenantId) {
    const version = parseTokenVersion(value(env, 'AUTH_TOKEN_VERSION'), problems);
    if (tenantId === 'common' || tenantId === 'organizations' || tenantId === 'consumers') {
      problems.push(
        `AUTH_TENANT_ID is "${tenantId}", but the relay serves one tenant: set the directory (tenant) id, a GUID from the Entra admin center.`,
      );
    } else if (!GUID.test(tenantId)) {
      problems.push(
        `AUTH_TENANT_ID must be the directory (tenant) id, a GUID, not "${tenantId}": tokens name the tenant by its GUID, so a domain name would never match.`,
      );
    }
    if (clientId !== undefined && !GUID.test(clientId)) {
      problems.push(
        `AUTH_API_CLIENT_ID must be the relay API's application (client) id, a GUID, not "${clientId}".`,
      );
    }
    if (appIdUri !== undefined && !/^(api|https?):\/\/\S+$/.test(appIdUri)) {
      problems.push(`AUTH_API_APP_ID_URI must look like api://wardline or https://…, not "${appIdUri}".`);
    }
    if (!clientId && audiences.length === 0) {
      problems.push(
        'AUTH_API_CLIENT_ID is missing: set the application (client) id of the relay API registration, which Entra puts in the aud claim.',
      );
    }
    // v1 tokens usually carry the App ID URI as aud, v2 tokens the client id GUID; a v1 token requested
    // by client id carries the GUID. Accepting both configured forms costs nothing: both name this API.
    if (audiences.length === 0) audiences = [clientId, appIdUri].filter((a): a is string => Boolean(a));
    issuer ??=
      version === 1
        ? `https://sts.windows.net/${tenantId}/`
        : `https://login.microsoftonline.com/${tenantId}/v2.0`;
    // The same key set signs v1 and v2 tokens; only the discovery document's path differs.
    jwksUri ??= `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;
  } else {
    if (!issuerOverride) problems.push('AUTH_ISSUER is missing: set the exact iss value the tokens carry.');
    if (audiences.length === 0) {
      problems.push(
        'AUTH_AUDIENCE is missing: set the audience (or a comma list) the tokens are issued for.',
      );
    }
    if (!jwksOverride)
      problems.push("AUTH_JWKS_URI is missing: set the URL of the authority's signing keys (jwks_uri).");
  }

  if (issuer !== undefined && !isUrl(issuer)) problems.push(`AUTH_ISSUER must be a URL, not "${issuer}".`);
  if (jwksUri !== undefined) checkJwksUri(jwksUri, problems);

  const clockSkewSeconds = parseClockSkew(value(env, 'AUTH_CLOCK_SKEW_SECONDS'), problems);
  const requiredScope = value(env, 'AUTH_REQUIRED_SCOPE');
  if (requiredScope !== undefined && !SCOPE_NAME.test(requiredScope)) {
    problems.push(
      `AUTH_REQUIRED_SCOPE is compared with the token's scp claim, which holds the bare scope name (e.g. Worklist.Access), not "${requiredScope}".`,
    );
  }
  const groupUnits = parseGroupUnits(value(env, 'AUTH_GROUP_UNITS'), problems);

  if (problems.length > 0 || issuer === undefined || jwksUri === undefined)
    return { config: undefined, problems };
  const config: AuthConfig = { provider, issuer, audiences, jwksUri, clockSkewSeconds, groupUnits };
  if (requiredScope !== undefined) config.requiredScope = requiredScope;
  return { config, problems };
}

function parseTokenVersion(raw: string | undefined, problems: string[]): 1 | 2 {
  if (raw === undefined || raw === '2') return 2;
  if (raw === '1') return 1;
  problems.push(
    `AUTH_TOKEN_VERSION must be 1 or 2 (the API registration's accessTokenAcceptedVersion), not "${raw}".`,
  );
  return 2;
}

function parseClockSkew(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return DEFAULT_CLOCK_SKEW_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_CLOCK_SKEW_SECONDS) {
    problems.push(
      `AUTH_CLOCK_SKEW_SECONDS must be a whole number of seconds from 0 to ${MAX_CLOCK_SKEW_SECONDS}, not "${raw}".`,
    );
    return DEFAULT_CLOCK_SKEW_SECONDS;
  }
  return seconds;
}

function parseGroupUnits(raw: string | undefined, problems: string[]): Record<string, string> {
  if (raw === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push('AUTH_GROUP_UNITS must be JSON, e.g. {"<group object id>": "4W"}.');
    return {};
  }
  const parsed = GroupUnits.safeParse(json);
  if (!parsed.success) {
    problems.push(
      'AUTH_GROUP_UNITS must map Entra group object ids (GUIDs) to unit names, e.g. {"<group object id>": "4W"}.',
    );
    return {};
  }
  return parsed.data;
}

function checkJwksUri(uri: string, problems: string[]): void {
  if (!isUrl(uri)) {
    problems.push(`AUTH_JWKS_URI must be a URL, not "${uri}".`);
    return;
  }
  const url = new URL(uri);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    problems.push(`AUTH_JWKS_URI must use https (plain http is allowed on loopback only), not "${uri}".`);
  }
}

function isUrl(text: string): boolean {
  return URL.canParse(text);
}
