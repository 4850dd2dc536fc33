import { describe, expect, it } from 'vitest';
import { ERROR_CODES, statusOf } from '../../server/src/http/errors';
import { REJECTION_CODES } from '../../src/domain';

describe('HTTP error codes: one closed set, one status each', () => {
  it.each(ERROR_CODES)('%s is a client or server error status', (code) => {
    const status = statusOf(code);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
  });

  it('covers every rejection code the hub returns', () => {
    for (const code of REJECTION_CODES) expect(ERROR_CODES).toContain(code);
  });

  it.each([
    ['invalid', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['not-found', 404],
    ['method-not-allowed', 405],
    ['conflict', 409],
    ['too-large', 413],
    ['unsupported-media-type', 415],
    ['internal', 500],
    ['unavailable', 503],
  ] as const)('%s answers %i, as docs/HUB.md lists', (code, status) => {
    expect(statusOf(code)).toBe(status);
  });
});
