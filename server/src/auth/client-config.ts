import { list, value, type Env } from '../env';
import type { AuthConfig } from './config';

/**
 * How the PWA signs people in (MSAL), sent to it in `/config.json` so one build serves every hospital.
 * Only for production mode with an identity provider: development mode has the demo sign-in instead.
 *
 * - `AUTH_SPA_CLIENT_ID`: the PWA's own app registration (a single-page application), not the API's.
 * - `AUTH_AUTHORITY`: Entra `https://login.microsoftonline.com/<tenant>` by default; the issuer for
 *   any other OIDC provider.
 * - `AUTH_KNOWN_AUTHORITIES`: hosts MSAL may trust without asking Microsoft's instance discovery
 *   (none for Entra; the authority's host for any other provider).
 * - `AUTH_PROTOCOL_MODE`: `AAD` for Entra, `OIDC` for any other provider.
 * - `AUTH_API_SCOPE`: the full scope the PWA asks for (`api://wardline/Worklist.Access`).
 * - `AUTH_REDIRECT_URI`: where the authority sends people back; `<origin>/redirect.html` by default.
 */
export interface ClientAuthConfig {
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  protocolMode: 'AAD' | 'OIDC';
  apiScope: string;
  redirectUri?: string;
}

export interface ClientAuthConfigResult {
  config: ClientAuthConfig | undefined;
  problems: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST = /^[a-z0-9.-]+(:\d{1,5})?$/i;

/** Settings that only make sense with `AUTH_SPA_CLIENT_ID`: naming one without it is a mistake. */
const DEPENDENT = [
  'AUTH_AUTHORITY',
  'AUTH_KNOWN_AUTHORITIES',
  'AUTH_PROTOCOL_MODE',
  'AUTH_API_SCOPE',
  'AUTH_REDIRECT_URI',
] as const;

export function parseClientAuthConfig(env: Env, auth: AuthConfig | undefined): ClientAuthConfigResult {
  const problems: string[] = [];
  const clientId = value(env, 'AUTH_SPA_CLIENT_ID');
  if (!clientId) {
    for (const name of DEPENDENT) {
      if (value(env, name))
        problems.push(`${name} is set but AUTH_SPA_CLIENT_ID is not: set the PWA's application (client) id.`);
    }
    return { config: undefined, problems };
  }
  if (!auth) {
    // The relay could not validate the tokens the PWA would get: a sign-in that leads nowhere.
    if (!value(env, 'AUTH_TENANT_ID') && !value(env, 'AUTH_ISSUER')) {
      problems.push(
        'AUTH_SPA_CLIENT_ID needs an identity provider for the relay too: set AUTH_TENANT_ID and AUTH_API_CLIENT_ID (Entra ID), or AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI.',
      );
    }
    return { config: undefined, problems };
  }
  if (auth.provider === 'entra' && !GUID.test(clientId)) {
    problems.push(`AUTH_SPA_CLIENT_ID must be the PWA's application (client) id, a GUID, not "${clientId}".`);
  }

  const tenantId = value(env, 'AUTH_TENANT_ID');
  const authority =
    value(env, 'AUTH_AUTHORITY') ??
    (auth.provider === 'entra' ? `https://login.microsoftonline.com/${tenantId}` : auth.issuer);
  if (!URL.canParse(authority) || new URL(authority).protocol !== 'https:') {
    // MSAL refuses an http authority (authorityUriInsecure), so this would only fail in the browser.
    problems.push(`AUTH_AUTHORITY must be an https URL (MSAL refuses anything else), not "${authority}".`);
  }

  const protocolText = value(env, 'AUTH_PROTOCOL_MODE') ?? (auth.provider === 'entra' ? 'AAD' : 'OIDC');
  let protocolMode: ClientAuthConfig['protocolMode'] = 'AAD';
  if (protocolText === 'AAD' || protocolText === 'OIDC') protocolMode = protocolText;
  else
    problems.push(
      `AUTH_PROTOCOL_MODE must be AAD (Entra ID) or OIDC (any other provider), not "${protocolText}".`,
    );

  const knownText = value(env, 'AUTH_KNOWN_AUTHORITIES');
  let knownAuthorities = list(knownText);
  if (knownText === undefined && protocolMode === 'OIDC' && URL.canParse(authority)) {
    // Without it MSAL asks login.microsoftonline.com whether the authority is real, and fails offline.
    knownAuthorities = [new URL(authority).host];
  }
  for (const host of knownAuthorities) {
    if (!HOST.test(host))
      problems.push(
        `AUTH_KNOWN_AUTHORITIES entry "${host}" must be a host name (and port), like login.example.org.`,
      );
  }

  const apiScope = value(env, 'AUTH_API_SCOPE') ?? defaultApiScope(env, auth);
  if (apiScope === undefined) {
    problems.push(
      'AUTH_API_SCOPE is missing: set the full scope the PWA asks for, like api://wardline/Worklist.Access.',
    );
  } else if (!/^\S+\/[^\s/]+$/.test(apiScope)) {
    problems.push(
      `AUTH_API_SCOPE must be the API's full scope, its App ID URI and scope name (api://wardline/Worklist.Access), not "${apiScope}".`,
    );
  }

  const redirectUri = value(env, 'AUTH_REDIRECT_URI');
  if (redirectUri !== undefined && !/^https?:\/\/[^/]+\/\S*$/.test(redirectUri)) {
    problems.push(
      `AUTH_REDIRECT_URI must be an absolute URL like https://wardline.example.org/redirect.html, not "${redirectUri}".`,
    );
  }

  if (problems.length > 0 || apiScope === undefined) return { config: undefined, problems };
  const config: ClientAuthConfig = { clientId, authority, knownAuthorities, protocolMode, apiScope };
  if (redirectUri !== undefined) config.redirectUri = redirectUri;
  return { config, problems };
}

/** Entra: the API's App ID URI and the required scope name, when both are configured. */
function defaultApiScope(env: Env, auth: AuthConfig): string | undefined {
  const appIdUri = value(env, 'AUTH_API_APP_ID_URI') ?? auth.audiences.find((a) => a.includes('://'));
  if (!appIdUri || !auth.requiredScope) return undefined;
  return `${appIdUri.replace(/\/$/, '')}/${auth.requiredScope}`;
}

/** Origins the PWA's pages must reach for sign-in (discovery, token and key fetches, silent iframes). */
export function authorityOrigins(config: ClientAuthConfig | undefined): string[] {
  if (!config) return [];
  const origins = new Set<string>();
  if (URL.canParse(config.authority)) origins.add(new URL(config.authority).origin);
  for (const host of config.knownAuthorities) origins.add(`https://${host}`);
  return [...origins];
}
