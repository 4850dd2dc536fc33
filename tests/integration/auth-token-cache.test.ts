import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenValidator } from '../../server/src/auth';
import {
  makeTestKey,
  mintToken,
  startTestIdp,
  TEST_API_CLIENT_ID,
  TEST_TENANT_ID,
  V2_ISSUER,
  type TestIdp,
  type TestKey,
} from '../helpers/auth-idp';

/**
 * The real validator remembers a token it verified (server/src/auth/token-cache.ts), on the same clock
 * it checks `exp` with: the remembered claims never outlive the token.
 */
let key: TestKey;
let idp: TestIdp;

beforeAll(async () => {
  key = await makeTestKey();
  idp = await startTestIdp([key]);
});

afterAll(async () => {
  await idp?.close();
});

describe('a remembered token', () => {
  it('is refused once its exp has passed, as an unremembered one would be', async () => {
    let now = new Date();
    const validator = createTokenValidator({
      issuer: V2_ISSUER,
      audiences: [TEST_API_CLIENT_ID],
      jwksUri: idp.jwksUri,
      clockSkewSeconds: 0,
      now: () => now,
      tokenCache: { maxAgeMs: 24 * 60 * 60_000 },
    });
    const token = await mintToken(key, { expiresIn: 120 });

    const first = await validator.validate(token);
    expect(first).toMatchObject({ ok: true, claims: { tenantId: TEST_TENANT_ID, roles: ['Nurse'] } });
    now = new Date(now.getTime() + 60_000);
    expect((await validator.validate(token)).ok).toBe(true);

    now = new Date(now.getTime() + 61_000);
    expect(await validator.validate(token)).toMatchObject({ ok: false, reason: { code: 'expired' } });
  });

  it('does not make a token with a broken signature acceptable because a good one was remembered', async () => {
    const validator = createTokenValidator({
      issuer: V2_ISSUER,
      audiences: [TEST_API_CLIENT_ID],
      jwksUri: idp.jwksUri,
      clockSkewSeconds: 60,
    });
    const token = await mintToken(key);
    expect((await validator.validate(token)).ok).toBe(true);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -4)}AAAA`;
    expect(await validator.validate(forged)).toMatchObject({ ok: false, reason: { code: 'bad-signature' } });
  });
});
