import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthConfig, type AuthConfig, type TokenValidatorSettings } from '../../server/src/auth';
import {
  bearer,
  newRequestId,
  startAuthHarness,
  type AuthHarness,
  type ErrorBody,
} from '../helpers/auth-harness';
import {
  base64url,
  GRAPH_APP_ID,
  makeTestKey,
  mintToken,
  OTHER_TENANT_ID,
  startTestIdp,
  TEST_API_APP_ID_URI,
  TEST_API_CLIENT_ID,
  TEST_SCOPE,
  TEST_TENANT_ID,
  V1_ISSUER,
  V2_ISSUER,
  type TestIdp,
  type TestKey,
} from '../helpers/auth-idp';

/**
 * Access-token validation through a real HTTP relay, against a JWKS served over real HTTP. Every refusal
 * is a 401 whose reason is logged once, at warn, without the token.
 */

function entraSettings(
  idp: TestIdp,
  version: '1' | '2',
  extra: Record<string, string> = {},
): TokenValidatorSettings {
  const { config, problems } = parseAuthConfig({
    AUTH_TENANT_ID: TEST_TENANT_ID,
    AUTH_API_CLIENT_ID: TEST_API_CLIENT_ID,
    AUTH_API_APP_ID_URI: TEST_API_APP_ID_URI,
    AUTH_TOKEN_VERSION: version,
    AUTH_JWKS_URI: idp.jwksUri,
    AUTH_REQUIRED_SCOPE: TEST_SCOPE,
    ...extra,
  });
  expect(problems).toEqual([]);
  return { ...(config as AuthConfig), jwksCooldownMs: 0 };
}

let idp: TestIdp;
let signingKey: TestKey;
let v2: AuthHarness;
let v1: AuthHarness;

beforeAll(async () => {
  signingKey = await makeTestKey('key-2024');
  idp = await startTestIdp([signingKey]);
  v2 = await startAuthHarness({ settings: () => entraSettings(idp, '2') });
  v1 = await startAuthHarness({ settings: () => entraSettings(idp, '1') });
});

afterAll(async () => {
  await Promise.all([v2?.close(), v1?.close()]);
  await idp?.close();
});

async function whoami(harness: AuthHarness, headers: Record<string, string>) {
  return harness.fetch('/api/whoami', { headers });
}

/** Asserts a 401 with the reason in the body and exactly one warn line for this request, token-free. */
async function expectRejected(
  harness: AuthHarness,
  token: string | undefined,
  code: string,
  headers?: Record<string, string>,
): Promise<ErrorBody> {
  const requestId = newRequestId();
  const response = await whoami(harness, {
    ...(headers ?? bearer(token ?? '', requestId)),
    'x-request-id': requestId,
  });
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="wardline"/);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe('unauthorized');
  const lines = harness.logLines().filter((l) => l.requestId === requestId);
  expect(lines).toHaveLength(1);
  const [line] = lines;
  expect(line).toMatchObject({ level: 40, event: 'auth.rejected', reason: code, path: '/api/whoami' });
  expect(line?.msg).toBe(body.error.message);
  if (token) {
    expect(harness.logText()).not.toContain(token);
    const signature = token.split('.')[2];
    if (signature) expect(harness.logText()).not.toContain(signature);
  }
  return body;
}

describe('a valid token', () => {
  it('is accepted and becomes the principal (tid, oid, name, known roles; units from the directory)', async () => {
    const token = await mintToken(signingKey, { claims: { roles: ['Nurse', 'Relay.Unknown'] } });
    const response = await whoami(v2, bearer(token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: '0a0a0a0a-0000-4000-8000-000000000001',
      tenantId: TEST_TENANT_ID,
      name: 'Test Nurse',
      roles: ['Nurse'],
      units: [],
    });
  });

  it('is accepted when it expired less than the clock skew ago', async () => {
    const token = await mintToken(signingKey, { expiresIn: -30 });
    expect((await whoami(v2, bearer(token))).status).toBe(200);
  });

  it('takes the name from preferred_username when there is no name claim', async () => {
    const token = await mintToken(signingKey, { claims: { name: undefined } });
    const response = await whoami(v2, bearer(token));
    expect(((await response.json()) as { name: string }).name).toBe('nurse@contoso.example');
  });
});

describe('rejected with 401 and the reason logged, never the token', () => {
  it('an expired token', async () => {
    const token = await mintToken(signingKey, { expiresIn: -600, notBefore: -4000 });
    const body = await expectRejected(v2, token, 'expired');
    expect(body.error.message).toMatch(/expired at/);
  });

  it('a token not yet valid (nbf beyond the clock skew)', async () => {
    const token = await mintToken(signingKey, { notBefore: 600 });
    await expectRejected(v2, token, 'not-yet-valid');
  });

  it('a token from another issuer (another tenant)', async () => {
    const token = await mintToken(signingKey, {
      claims: { iss: `https://login.microsoftonline.com/${OTHER_TENANT_ID}/v2.0`, tid: OTHER_TENANT_ID },
    });
    const body = await expectRejected(v2, token, 'wrong-issuer');
    expect(body.error.message).toContain(OTHER_TENANT_ID);
  });

  it('a token with the wrong audience', async () => {
    const token = await mintToken(signingKey, { claims: { aud: 'dddddddd-0000-4000-8000-000000000000' } });
    await expectRejected(v2, token, 'wrong-audience');
  });

  it('a token for another API (Microsoft Graph), though same tenant and same keys', async () => {
    const token = await mintToken(signingKey, { claims: { aud: GRAPH_APP_ID, scp: 'User.Read' } });
    await expectRejected(v2, token, 'wrong-audience');
  });

  it('alg: none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: V2_ISSUER,
      aud: TEST_API_CLIENT_ID,
      tid: TEST_TENANT_ID,
      oid: 'x',
      roles: ['Admin'],
      scp: TEST_SCOPE,
      exp: now + 600,
    };
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
    await expectRejected(v2, token, 'algorithm-not-allowed');
  });

  it('HS256 signed with the RSA public key as the HMAC secret (key confusion)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ tid: TEST_TENANT_ID, oid: 'x', roles: ['Admin'], scp: TEST_SCOPE })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: signingKey.kid })
      .setIssuer(V2_ISSUER)
      .setAudience(TEST_API_CLIENT_ID)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(signingKey.publicPem));
    await expectRejected(v2, token, 'algorithm-not-allowed');
  });

  it('a tampered payload (a nurse promoting herself to Admin)', async () => {
    const token = await mintToken(signingKey);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${base64url({ ...claims, roles: ['Admin'] })}.${signature}`;
    await expectRejected(v2, tampered, 'bad-signature');
  });

  it('a token signed by a key the authority never published (unknown kid), after refetching the key set', async () => {
    const stranger = await makeTestKey('never-published');
    const token = await mintToken(stranger);
    await whoami(v2, bearer(await mintToken(signingKey))); // the key set is cached now
    const before = idp.fetchCount();
    await expectRejected(v2, token, 'unknown-key');
    expect(idp.fetchCount()).toBe(before + 1);
  });

  it('a malformed string', async () => {
    await expectRejected(v2, 'not-a-jwt', 'malformed');
  });

  it('three dot-separated pieces that are not JSON', async () => {
    await expectRejected(v2, 'abc.def.ghi', 'malformed');
  });

  it('an empty Authorization header', async () => {
    await expectRejected(v2, undefined, 'missing-token', { authorization: '' });
  });

  it('"Bearer" with no token after it', async () => {
    await expectRejected(v2, undefined, 'malformed', { authorization: 'Bearer ' });
  });

  it('another scheme (Basic)', async () => {
    await expectRejected(v2, undefined, 'malformed', { authorization: 'Basic dXNlcjpwYXNz' });
  });

  it('a valid token sent only in a cookie', async () => {
    const token = await mintToken(signingKey);
    const body = await expectRejected(v2, token, 'missing-token', { cookie: `access_token=${token}` });
    expect(body.error.message).toMatch(/cookie is not accepted/);
  });

  it('a valid token in the query string of an ordinary API route', async () => {
    const token = await mintToken(signingKey);
    const requestId = newRequestId();
    const response = await v2.fetch(`/api/whoami?access_token=${token}`, {
      headers: { 'x-request-id': requestId },
    });
    expect(response.status).toBe(401);
    const line = v2.logLines().find((l) => l.requestId === requestId);
    expect(line).toMatchObject({ reason: 'missing-token', path: '/api/whoami?access_token=[redacted]' });
    expect(v2.logText()).not.toContain(token);
  });

  it('a token without the required scope', async () => {
    const token = await mintToken(signingKey, { claims: { scp: 'User.Read' } });
    const body = await expectRejected(v2, token, 'missing-scope');
    expect(body.error.message).toContain(TEST_SCOPE);
  });

  it('a token with no known role', async () => {
    const token = await mintToken(signingKey, { claims: { roles: ['Relay.Reader', 'nurse'] } });
    const body = await expectRejected(v2, token, 'no-known-role');
    expect(body.error.message).toContain('Relay.Reader');
  });

  it('a token with no roles claim at all', async () => {
    const token = await mintToken(signingKey, { claims: { roles: undefined } });
    await expectRejected(v2, token, 'no-known-role');
  });

  it('a token without an oid (the relay cannot tell who is asking)', async () => {
    const token = await mintToken(signingKey, { claims: { oid: undefined } });
    await expectRejected(v2, token, 'missing-claim');
  });

  it('a token without an expiry', async () => {
    const token = await mintToken(signingKey, { claims: { exp: undefined } });
    await expectRejected(v2, token, 'malformed');
  });

  it('an application token (no scp) asking for a person role', async () => {
    const token = await mintToken(signingKey, {
      claims: { scp: undefined, idtyp: 'app', roles: ['Supervisor'] },
    });
    await expectRejected(v2, token, 'missing-scope');
  });
});

describe('the hub transports', () => {
  it('accept the token in the access_token query parameter (WebSockets and SSE cannot set headers)', async () => {
    const token = await mintToken(signingKey);
    const response = await v2.fetch(`/hubs/whoami?access_token=${encodeURIComponent(token)}`);
    expect(response.status).toBe(200);
  });

  it('still refuse a bad token in the query, and log the path redacted', async () => {
    const token = await mintToken(signingKey, { expiresIn: -600, notBefore: -4000 });
    const requestId = newRequestId();
    const response = await v2.fetch(`/hubs/whoami?id=1&access_token=${token}`, {
      headers: { 'x-request-id': requestId },
    });
    expect(response.status).toBe(401);
    const line = v2.logLines().find((l) => l.requestId === requestId);
    expect(line).toMatchObject({
      reason: 'expired',
      tokenSource: 'query',
      // The connection token (id) is a secret too (docs/SECURITY.md L2).
      path: '/hubs/whoami?id=[redacted]&access_token=[redacted]',
    });
    expect(v2.logText()).not.toContain(token);
  });
});

describe('application tokens', () => {
  it('are accepted with the Ingest role and no scp (client credentials)', async () => {
    const token = await mintToken(signingKey, {
      claims: {
        scp: undefined,
        idtyp: 'app',
        roles: ['Ingest'],
        name: undefined,
        preferred_username: undefined,
      },
    });
    const response = await whoami(v2, bearer(token));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ roles: ['Ingest'] });
  });
});

describe('key rollover', () => {
  it('accepts a key rotated in after start, once the unknown kid triggers a refetch', async () => {
    await whoami(v2, bearer(await mintToken(signingKey))); // cached before the rollover
    const next = await makeTestKey('key-2025');
    const token = await mintToken(next);
    idp.publish(next);
    const before = idp.fetchCount();
    const response = await whoami(v2, bearer(token));
    expect(response.status).toBe(200);
    expect(idp.fetchCount()).toBe(before + 1);
  });

  it('refetches at most once per cooldown, so made-up kids cannot hammer the authority', async () => {
    const harness = await startAuthHarness({
      settings: () => ({ ...entraSettings(idp, '2'), jwksCooldownMs: 60_000 }),
    });
    try {
      expect((await whoami(harness, bearer(await mintToken(signingKey)))).status).toBe(200);
      const before = idp.fetchCount();
      for (const kid of ['made-up-1', 'made-up-2', 'made-up-3']) {
        await expectRejected(harness, await mintToken(await makeTestKey(kid)), 'unknown-key');
      }
      expect(idp.fetchCount()).toBe(before);
    } finally {
      await harness.close();
    }
  });

  it('answers 503 (not 401) when the key set cannot be fetched', async () => {
    const harness = await startAuthHarness({
      settings: () => ({ ...entraSettings(idp, '2'), jwksUri: 'http://127.0.0.1:9/discovery/v2.0/keys' }),
    });
    try {
      const response = await whoami(harness, bearer(await mintToken(signingKey)));
      expect(response.status).toBe(503);
      expect(harness.logLines().some((l) => l.reason === 'keys-unavailable')).toBe(true);
    } finally {
      await harness.close();
    }
  });
});

describe('Entra v1 and v2 token shapes are configuration', () => {
  it('a v2 token (iss …/v2.0, aud = client id) is accepted with AUTH_TOKEN_VERSION=2', async () => {
    const response = await whoami(v2, bearer(await mintToken(signingKey, { shape: 'v2' })));
    expect(response.status).toBe(200);
  });

  it('a v2 token is rejected with AUTH_TOKEN_VERSION=1 (wrong issuer)', async () => {
    await expectRejected(v1, await mintToken(signingKey, { shape: 'v2' }), 'wrong-issuer');
  });

  it('a v1 token (iss sts.windows.net, aud = App ID URI) is accepted with AUTH_TOKEN_VERSION=1', async () => {
    const response = await whoami(v1, bearer(await mintToken(signingKey, { shape: 'v1' })));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      tenantId: TEST_TENANT_ID,
      name: 'Test Nurse',
      roles: ['Nurse'],
    });
  });

  it('a v1 token is rejected with AUTH_TOKEN_VERSION=2 (wrong issuer)', async () => {
    const body = await expectRejected(v2, await mintToken(signingKey, { shape: 'v1' }), 'wrong-issuer');
    expect(body.error.message).toContain(V1_ISSUER);
  });

  it('a v1 token requested by client id (aud = GUID) is accepted too: both configured forms name this API', async () => {
    const response = await whoami(
      v1,
      bearer(await mintToken(signingKey, { shape: 'v1', claims: { aud: TEST_API_CLIENT_ID } })),
    );
    expect(response.status).toBe(200);
  });
});
