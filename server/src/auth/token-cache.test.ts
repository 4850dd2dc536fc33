import { describe, expect, it } from 'vitest';
import { TokenCache, verifyOnce } from './token-cache';
import type { TokenClaims, TokenResult } from './tokens';

const T0 = Date.parse('2026-12-03T08:00:00Z');

function claims(expiresAt: number, roles: TokenClaims['roles'] = ['Nurse']): TokenClaims {
  return {
    tenantId: 't',
    objectId: 'o',
    name: 'R. Okafor',
    roles,
    groups: [],
    scopes: ['Worklist.Access'],
    appOnly: false,
    expiresAt: new Date(expiresAt),
  };
}

/** A verifier that accepts tokens named `good-…` until `exp`, and counts how often it ran. */
function setup(options: { maxEntries?: number; maxAgeMs?: number } = {}) {
  let now = T0;
  let verified = 0;
  const cache = new TokenCache({ maxEntries: 100, maxAgeMs: 5 * 60_000, now: () => now, ...options });
  const exp = T0 + 60 * 60_000;
  const validate = verifyOnce(cache, (token): Promise<TokenResult> => {
    verified++;
    if (!token.startsWith('good') || now >= exp) {
      return Promise.resolve({ ok: false, reason: { code: 'expired', message: 'no' } });
    }
    return Promise.resolve({ ok: true, claims: claims(exp) });
  });
  return {
    cache,
    validate,
    verified: () => verified,
    advance: (ms: number) => {
      now += ms;
    },
    exp,
  };
}

describe('a verified token is remembered until it expires', () => {
  it('verifies a token once for its negotiate and its WebSocket request', async () => {
    const { validate, verified } = setup();
    expect((await validate('good-a')).ok).toBe(true);
    const again = await validate('good-a');
    expect(again).toMatchObject({ ok: true, claims: { objectId: 'o', roles: ['Nurse'] } });
    expect(verified()).toBe(1);
  });

  it('verifies again after the remembered age, so a withdrawn signing key stops being honoured', async () => {
    const { validate, verified, advance } = setup({ maxAgeMs: 60_000 });
    await validate('good-a');
    advance(59_000);
    await validate('good-a');
    expect(verified()).toBe(1);
    advance(1_000);
    await validate('good-a');
    expect(verified()).toBe(2);
  });

  it('refuses an expired token: the cached claims expire with the token', async () => {
    const { validate, advance, exp } = setup({ maxAgeMs: 24 * 60 * 60_000 });
    expect((await validate('good-a')).ok).toBe(true);
    advance(exp - T0 - 1);
    expect((await validate('good-a')).ok).toBe(true);
    advance(1);
    expect(await validate('good-a')).toMatchObject({ ok: false, reason: { code: 'expired' } });
  });

  it('never remembers a refusal: a bad token is verified each time', async () => {
    const { validate, verified, cache } = setup();
    await validate('bad');
    await validate('bad');
    expect(verified()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries tokens, dropping the oldest', async () => {
    const { validate, verified, cache } = setup({ maxEntries: 2 });
    await validate('good-1');
    await validate('good-2');
    await validate('good-3');
    expect(cache.size).toBe(2);
    await validate('good-3');
    await validate('good-2');
    expect(verified()).toBe(3);
    await validate('good-1');
    expect(verified()).toBe(4);
  });

  it('hands each caller its own claims: changing one request principal leaves the next alone', async () => {
    const { validate } = setup();
    const first = await validate('good-a');
    if (first.ok) first.claims.roles.push('Admin');
    const second = await validate('good-a');
    expect(second.ok && second.claims.roles).toEqual(['Nurse']);
  });
});
