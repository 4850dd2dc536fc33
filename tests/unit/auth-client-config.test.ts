import { describe, expect, it } from 'vitest';
import { parseAuthConfig } from '../../server/src/auth';
import { authorityOrigins, parseClientAuthConfig } from '../../server/src/auth/client-config';
import { loadConfig } from '../../server/src/config';

const TENANT = '11111111-2222-4333-8444-555555555555';
const API = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const SPA = 'cccccccc-0000-4000-8000-000000000001';

const ENTRA = {
  AUTH_TENANT_ID: TENANT,
  AUTH_API_CLIENT_ID: API,
  AUTH_API_APP_ID_URI: 'api://wardline',
  AUTH_REQUIRED_SCOPE: 'Worklist.Access',
};
const OIDC = {
  AUTH_ISSUER: 'https://idp.hospital.example',
  AUTH_AUDIENCE: 'api://wardline',
  AUTH_JWKS_URI: 'https://idp.hospital.example/jwks',
};

function parse(env: Record<string, string>) {
  return parseClientAuthConfig(env, parseAuthConfig(env).config);
}

describe('[I1] the PWA sign-in settings (/config.json auth)', () => {
  it('Entra: authority from the tenant, AAD mode, no known authorities, the scope from App ID URI + scope name', () => {
    expect(parse({ ...ENTRA, AUTH_SPA_CLIENT_ID: SPA })).toEqual({
      problems: [],
      config: {
        clientId: SPA,
        authority: `https://login.microsoftonline.com/${TENANT}`,
        knownAuthorities: [],
        protocolMode: 'AAD',
        apiScope: 'api://wardline/Worklist.Access',
      },
    });
  });

  it('any OIDC provider: the issuer as authority, OIDC mode, its host as the known authority', () => {
    const { config, problems } = parse({
      ...OIDC,
      AUTH_SPA_CLIENT_ID: 'wardline-pwa',
      AUTH_API_SCOPE: 'api://wardline/Worklist.Access',
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      authority: 'https://idp.hospital.example',
      knownAuthorities: ['idp.hospital.example'],
      protocolMode: 'OIDC',
    });
  });

  it('takes every value from the environment when set, including the redirect URI', () => {
    const { config } = parse({
      ...OIDC,
      AUTH_SPA_CLIENT_ID: 'wardline-pwa',
      AUTH_AUTHORITY: 'https://127.0.0.1:4443/',
      AUTH_KNOWN_AUTHORITIES: '127.0.0.1:4443, login.example.org',
      AUTH_PROTOCOL_MODE: 'OIDC',
      AUTH_API_SCOPE: 'api://wardline/Worklist.Access',
      AUTH_REDIRECT_URI: 'https://wardline.example.org/redirect.html',
    });
    expect(config).toEqual({
      clientId: 'wardline-pwa',
      authority: 'https://127.0.0.1:4443/',
      knownAuthorities: ['127.0.0.1:4443', 'login.example.org'],
      protocolMode: 'OIDC',
      apiScope: 'api://wardline/Worklist.Access',
      redirectUri: 'https://wardline.example.org/redirect.html',
    });
    expect(authorityOrigins(config)).toEqual(['https://127.0.0.1:4443', 'https://login.example.org']);
  });

  it('is absent without AUTH_SPA_CLIENT_ID (development mode has the demo sign-in)', () => {
    expect(parse({})).toEqual({ config: undefined, problems: [] });
    expect(parse(ENTRA)).toEqual({ config: undefined, problems: [] });
  });

  it.each([
    [
      'a dependent setting without the client id',
      { ...ENTRA, AUTH_API_SCOPE: 'api://wardline/Worklist.Access' },
      "AUTH_API_SCOPE is set but AUTH_SPA_CLIENT_ID is not: set the PWA's application (client) id.",
    ],
    [
      'a client id without any identity provider',
      { AUTH_SPA_CLIENT_ID: SPA },
      'AUTH_SPA_CLIENT_ID needs an identity provider for the relay too: set AUTH_TENANT_ID and AUTH_API_CLIENT_ID (Entra ID), or AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI.',
    ],
    [
      'an Entra client id that is not a GUID',
      { ...ENTRA, AUTH_SPA_CLIENT_ID: 'wardline' },
      'AUTH_SPA_CLIENT_ID must be the PWA\'s application (client) id, a GUID, not "wardline".',
    ],
    [
      'an http authority',
      { ...ENTRA, AUTH_SPA_CLIENT_ID: SPA, AUTH_AUTHORITY: 'http://login.example.org/' },
      'AUTH_AUTHORITY must be an https URL (MSAL refuses anything else), not "http://login.example.org/".',
    ],
    [
      'an unknown protocol mode',
      { ...ENTRA, AUTH_SPA_CLIENT_ID: SPA, AUTH_PROTOCOL_MODE: 'saml' },
      'AUTH_PROTOCOL_MODE must be AAD (Entra ID) or OIDC (any other provider), not "saml".',
    ],
    [
      'a known authority given as a URL',
      { ...ENTRA, AUTH_SPA_CLIENT_ID: SPA, AUTH_KNOWN_AUTHORITIES: 'https://login.example.org/' },
      'AUTH_KNOWN_AUTHORITIES entry "https://login.example.org/" must be a host name (and port), like login.example.org.',
    ],
    [
      'no scope and nothing to derive it from',
      { ...OIDC, AUTH_SPA_CLIENT_ID: 'wardline-pwa' },
      'AUTH_API_SCOPE is missing: set the full scope the PWA asks for, like api://wardline/Worklist.Access.',
    ],
    [
      'a bare scope name',
      { ...ENTRA, AUTH_SPA_CLIENT_ID: SPA, AUTH_API_SCOPE: 'Worklist.Access' },
      'AUTH_API_SCOPE must be the API\'s full scope, its App ID URI and scope name (api://wardline/Worklist.Access), not "Worklist.Access".',
    ],
    [
      'a relative redirect URI',
      { ...ENTRA, AUTH_SPA_CLIENT_ID: SPA, AUTH_REDIRECT_URI: '/redirect.html' },
      'AUTH_REDIRECT_URI must be an absolute URL like https://wardline.example.org/redirect.html, not "/redirect.html".',
    ],
  ])('[I7] refuses %s with one sentence', (_case, env, sentence) => {
    expect(parse(env)).toEqual({ config: undefined, problems: [sentence] });
  });
});

describe('[I7] IDLE_LOCK_MINUTES', () => {
  const base = { DATA_DIR: '/tmp/wardline-unused', DEMO_FEED: 'off' };

  it('is 5 minutes unless set, and takes fractions (tests lock after seconds)', () => {
    const loaded = loadConfig(base);
    expect(loaded.ok && loaded.config.idleLockMinutes).toBe(5);
    const quick = loadConfig({ ...base, IDLE_LOCK_MINUTES: '0.1' });
    expect(quick.ok && quick.config.idleLockMinutes).toBe(0.1);
  });

  it.each(['0', '-1', 'five', '721'])('refuses "%s" with one sentence', (text) => {
    const loaded = loadConfig({ ...base, IDLE_LOCK_MINUTES: text });
    expect(loaded).toEqual({
      ok: false,
      problems: [`IDLE_LOCK_MINUTES must be a number from 0.05 to 720, not "${text}".`],
    });
  });
});
