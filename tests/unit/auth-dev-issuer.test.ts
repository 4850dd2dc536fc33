import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createStaffDirectory,
  DEMO_STAFF,
  DEV_API_CLIENT_ID,
  DEV_TENANT_ID,
  devValidatorSettings,
  loopbackBaseUrl,
  seedDemoDirectory,
} from '../../server/src/auth';
import { openSqliteStore } from '../../server/src/store/database';

function address(address: string, port: number, family = 'IPv4'): AddressInfo {
  return { address, port, family };
}

describe('devValidatorSettings', () => {
  it('derives issuer, audience and JWKS URI from the relay base URL', () => {
    expect(devValidatorSettings('http://127.0.0.1:8080/')).toEqual({
      issuer: 'http://127.0.0.1:8080/dev',
      audiences: [DEV_API_CLIENT_ID],
      jwksUri: 'http://127.0.0.1:8080/dev/jwks.json',
      clockSkewSeconds: 60,
      requiredScope: 'Worklist.Access',
    });
  });
});

describe('loopbackBaseUrl', () => {
  it.each([
    [address('127.0.0.1', 8080), 'http://127.0.0.1:8080'],
    [address('0.0.0.0', 8080), 'http://127.0.0.1:8080'],
    [address('::', 8080, 'IPv6'), 'http://[::1]:8080'],
    [address('::1', 9000, 'IPv6'), 'http://[::1]:9000'],
  ])('%j → %s', (info, expected) => {
    expect(loopbackBaseUrl(info)).toBe(expected);
  });

  it('refuses a pipe address with a sentence', () => {
    expect(() => loopbackBaseUrl('/tmp/relay.sock')).toThrow(/TCP port/);
  });
});

describe('seedDemoDirectory', () => {
  it('places every demo staff member once, and keeps later moves across restarts', async () => {
    const db = await openSqliteStore();
    try {
      const directory = createStaffDirectory({ db });
      expect(await seedDemoDirectory(directory)).toBe(DEMO_STAFF.length);
      expect(await directory.unitsOf(DEV_TENANT_ID, 'nurse-okafor')).toEqual(['4W']);
      await directory.setUnits(DEV_TENANT_ID, 'nurse-okafor', { units: ['5E'], by: 'admin-demo' });
      expect(await seedDemoDirectory(directory)).toBe(0);
      expect(await directory.unitsOf(DEV_TENANT_ID, 'nurse-okafor')).toEqual(['5E']);
    } finally {
      await db.close();
    }
  });

  it('has unique ids', () => {
    expect(new Set(DEMO_STAFF.map((s) => s.id)).size).toBe(DEMO_STAFF.length);
  });
});
