import { describe, expect, it } from 'vitest';
import { assertModeAllowed, identityProviderConfigured, parseAuthConfig } from '../../server/src/auth';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const GROUP = '64000000-0000-4000-8000-0000000000a4';

describe('assertModeAllowed (the production guard)', () => {
  it('refuses development mode under NODE_ENV=production with one sentence naming the way out', () => {
    const problem = assertModeAllowed('development', { NODE_ENV: 'production' });
    expect(problem).toBe(
      'Development mode (demo sign-in) is refused when NODE_ENV=production: configure an identity provider (AUTH_TENANT_ID and AUTH_API_CLIENT_ID, or AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI) or unset NODE_ENV.',
    );
  });

  it.each([
    ['development mode without NODE_ENV', 'development', {}],
    ['development mode with NODE_ENV=development', 'development', { NODE_ENV: 'development' }],
    ['development mode with NODE_ENV=test', 'development', { NODE_ENV: 'test' }],
    ['production mode with NODE_ENV=production', 'production', { NODE_ENV: 'production' }],
  ] as const)('allows %s', (_case, mode, env) => {
    expect(assertModeAllowed(mode, env)).toBeUndefined();
  });
});

describe('identityProviderConfigured', () => {
  it.each([
    [{}, false],
    [{ AUTH_TENANT_ID: '  ' }, false],
    [{ AUTH_TENANT_ID: TENANT }, true],
    [{ AUTH_ISSUER: 'https://idp.example' }, true],
  ])('%j → %s', (env, expected) => {
    expect(identityProviderConfigured(env)).toBe(expected);
  });
});

describe('parseAuthConfig', () => {
  it('returns no config and no problems when no identity provider is configured (development mode)', () => {
    expect(parseAuthConfig({})).toEqual({ config: undefined, problems: [] });
  });

  it('derives the v2 issuer, the audiences and the JWKS URI from the tenant (v2 is the default)', () => {
    const { config, problems } = parseAuthConfig({
      AUTH_TENANT_ID: TENANT,
      AUTH_API_CLIENT_ID: CLIENT,
      AUTH_API_APP_ID_URI: 'api://wardline',
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      provider: 'entra',
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      audiences: [CLIENT, 'api://wardline'],
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      clockSkewSeconds: 60,
      groupUnits: {},
    });
  });

  it('derives the v1 issuer (sts.windows.net, trailing slash) with AUTH_TOKEN_VERSION=1', () => {
    const { config } = parseAuthConfig({
      AUTH_TENANT_ID: TENANT,
      AUTH_API_CLIENT_ID: CLIENT,
      AUTH_TOKEN_VERSION: '1',
    });
    expect(config?.issuer).toBe(`https://sts.windows.net/${TENANT}/`);
    expect(config?.jwksUri).toBe(`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`);
  });

  it('lets AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI override the derived values', () => {
    const { config, problems } = parseAuthConfig({
      AUTH_TENANT_ID: TENANT,
      AUTH_API_CLIENT_ID: CLIENT,
      AUTH_ISSUER: 'https://localhost:4443',
      AUTH_AUDIENCE: 'api://relay, api://other',
      AUTH_JWKS_URI: 'https://localhost:4443/jwks',
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      issuer: 'https://localhost:4443',
      audiences: ['api://relay', 'api://other'],
      jwksUri: 'https://localhost:4443/jwks',
    });
  });

  it('accepts a generic OIDC authority with issuer, audience and JWKS URI', () => {
    const { config, problems } = parseAuthConfig({
      AUTH_ISSUER: 'https://localhost:4443',
      AUTH_AUDIENCE: 'api://relay',
      AUTH_JWKS_URI: 'https://localhost:4443/jwks',
      AUTH_REQUIRED_SCOPE: 'Relay.Access',
      AUTH_CLOCK_SKEW_SECONDS: '30',
      AUTH_GROUP_UNITS: JSON.stringify({ [GROUP]: '4W' }),
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      provider: 'oidc',
      issuer: 'https://localhost:4443',
      audiences: ['api://relay'],
      jwksUri: 'https://localhost:4443/jwks',
      clockSkewSeconds: 30,
      requiredScope: 'Relay.Access',
      groupUnits: { [GROUP]: '4W' },
    });
  });

  it('names every missing generic OIDC setting, one sentence each', () => {
    const { config, problems } = parseAuthConfig({ AUTH_ISSUER: 'https://idp.example' });
    expect(config).toBeUndefined();
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^AUTH_AUDIENCE is missing/);
    expect(problems[1]).toMatch(/^AUTH_JWKS_URI is missing/);
  });

  it.each([
    [
      { AUTH_TENANT_ID: 'contoso.onmicrosoft.com', AUTH_API_CLIENT_ID: CLIENT },
      /AUTH_TENANT_ID must be the directory \(tenant\) id/,
    ],
    [{ AUTH_TENANT_ID: 'common', AUTH_API_CLIENT_ID: CLIENT }, /serves one tenant/],
    [{ AUTH_TENANT_ID: TENANT }, /AUTH_API_CLIENT_ID is missing/],
    [{ AUTH_TENANT_ID: TENANT, AUTH_API_CLIENT_ID: 'wardline-api' }, /AUTH_API_CLIENT_ID must be/],
    [
      { AUTH_TENANT_ID: TENANT, AUTH_API_CLIENT_ID: CLIENT, AUTH_TOKEN_VERSION: '3' },
      /AUTH_TOKEN_VERSION must be 1 or 2/,
    ],
    [
      { AUTH_TENANT_ID: TENANT, AUTH_API_CLIENT_ID: CLIENT, AUTH_CLOCK_SKEW_SECONDS: '-5' },
      /AUTH_CLOCK_SKEW_SECONDS/,
    ],
    [
      { AUTH_TENANT_ID: TENANT, AUTH_API_CLIENT_ID: CLIENT, AUTH_CLOCK_SKEW_SECONDS: '3600' },
      /from 0 to 300/,
    ],
    [
      { AUTH_TENANT_ID: TENANT, AUTH_API_CLIENT_ID: CLIENT, AUTH_GROUP_UNITS: '{oops' },
      /AUTH_GROUP_UNITS must be JSON/,
    ],
    [
      { AUTH_TENANT_ID: TENANT, AUTH_API_CLIENT_ID: CLIENT, AUTH_GROUP_UNITS: '{"4W-group":"4W"}' },
      /group object ids/,
    ],
    [
      {
        AUTH_TENANT_ID: TENANT,
        AUTH_API_CLIENT_ID: CLIENT,
        AUTH_REQUIRED_SCOPE: 'api://wardline/Worklist.Access',
      },
      /bare scope name/,
    ],
    [
      { AUTH_TENANT_ID: TENANT, AUTH_API_CLIENT_ID: CLIENT, AUTH_JWKS_URI: 'http://keys.example/jwks' },
      /must use https/,
    ],
    [
      { AUTH_ISSUER: 'not a url', AUTH_AUDIENCE: 'x', AUTH_JWKS_URI: 'https://idp.example/jwks' },
      /AUTH_ISSUER must be a URL/,
    ],
  ])('reports a problem for %j', (env, problem) => {
    const result = parseAuthConfig(env);
    expect(result.config).toBeUndefined();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(problem);
    expect(result.problems[0]).toMatch(/\.$/);
  });

  it('allows plain http for the JWKS on loopback only (the dev issuer and local test authorities)', () => {
    const { problems } = parseAuthConfig({
      AUTH_ISSUER: 'http://127.0.0.1:9000/dev',
      AUTH_AUDIENCE: 'x',
      AUTH_JWKS_URI: 'http://127.0.0.1:9000/dev/jwks.json',
    });
    expect(problems).toEqual([]);
  });

  it('collects several problems at once rather than stopping at the first', () => {
    const { problems } = parseAuthConfig({
      AUTH_TENANT_ID: 'contoso',
      AUTH_TOKEN_VERSION: 'v2',
      AUTH_CLOCK_SKEW_SECONDS: 'soon',
    });
    expect(problems).toHaveLength(4);
  });
});
