import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_UNITS, DEV_API_CLIENT_ID, DEV_TENANT_ID } from '../../server/src/auth';
import { bearer, startAuthHarness, type AuthHarness, type ErrorBody } from '../helpers/auth-harness';

/**
 * The development issuer: its tokens go through the same validator as Entra's, which fetches the
 * issuer's key set over HTTP from the relay itself.
 */

interface DevStaffWire {
  id: string;
  name: string;
  role: string;
  units: string[];
}

let dataDir: string;
let relay: AuthHarness;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wardline-dev-issuer-'));
  relay = await startAuthHarness({ dev: true, dataDir });
});

afterAll(async () => {
  await relay?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function tokenFor(harness: AuthHarness, staffId: string): Promise<Response> {
  return harness.fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId }),
  });
}

async function accessTokenFor(harness: AuthHarness, staffId: string): Promise<string> {
  const response = await tokenFor(harness, staffId);
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

describe('GET /dev/staff', () => {
  it('lists demo staff for every role on every demo unit, two nurses on 4W (one is R. Okafor)', async () => {
    const response = await relay.fetch('/dev/staff');
    expect(response.status).toBe(200);
    const staff = (await response.json()) as DevStaffWire[];
    const on = (role: string, unit: string) => staff.filter((s) => s.role === role && s.units.includes(unit));
    for (const unit of DEMO_UNITS) {
      expect(on('Nurse', unit).length, `a nurse on ${unit}`).toBeGreaterThan(0);
      expect(on('ChargeNurse', unit).length, `a charge nurse on ${unit}`).toBeGreaterThan(0);
      expect(on('Coordinator', unit).length, `a coordinator on ${unit}`).toBeGreaterThan(0);
      expect(on('Supervisor', unit).length, `a supervisor on ${unit}`).toBeGreaterThan(0);
    }
    expect(on('Nurse', '4W').map((s) => s.name)).toContain('R. Okafor');
    expect(on('Nurse', '4W').length).toBeGreaterThanOrEqual(2);
    expect(staff.filter((s) => s.role === 'Admin')).toHaveLength(1);
    expect(staff.find((s) => s.id === 'integration-engine')).toMatchObject({ role: 'Ingest', units: [] });
  });
});

describe('POST /dev/token', () => {
  it('issues a token that passes the same validator, with the JWKS fetched over HTTP from the relay', async () => {
    const before = relay.requests.filter((p) => p === '/dev/jwks.json').length;
    const response = await tokenFor(relay, 'nurse-okafor');
    expect(response.status).toBe(200);
    const { accessToken, expiresAt } = (await response.json()) as { accessToken: string; expiresAt: string };
    const lifetimeMs = Date.parse(expiresAt) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(59 * 60_000);
    expect(lifetimeMs).toBeLessThanOrEqual(60 * 60_000);

    const whoami = await relay.fetch('/api/whoami', { headers: bearer(accessToken) });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toEqual({
      id: 'nurse-okafor',
      tenantId: DEV_TENANT_ID,
      name: 'R. Okafor',
      roles: ['Nurse'],
      units: ['4W'],
    });
    // The first validation in this file: the validator had no keys and fetched them from the relay.
    expect(before).toBe(0);
    expect(relay.requests.filter((p) => p === '/dev/jwks.json')).toHaveLength(1);
  });

  it('issues Entra-v2-shaped tokens (iss the relay /dev, aud the dev API, tid, oid, roles, scp, ver, kid)', async () => {
    const token = await accessTokenFor(relay, 'charge-4w-marchbank');
    const jwks = (await (await relay.fetch('/dev/jwks.json')).json()) as { keys: { kid: string }[] };
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwks.keys[0]?.kid });
    expect(decodeJwt(token)).toMatchObject({
      iss: `${relay.baseUrl}/dev`,
      aud: DEV_API_CLIENT_ID,
      tid: DEV_TENANT_ID,
      oid: 'charge-4w-marchbank',
      roles: ['ChargeNurse'],
      scp: 'Worklist.Access',
      ver: '2.0',
    });
  });

  it('gives the integration account an application token that carries Ingest and nothing else', async () => {
    const token = await accessTokenFor(relay, 'integration-engine');
    expect(decodeJwt(token).scp).toBeUndefined();
    const whoami = await relay.fetch('/api/whoami', { headers: bearer(token) });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({ id: 'integration-engine', roles: ['Ingest'], units: [] });
  });

  it('answers 404 with a sentence for an unknown staffId', async () => {
    const response = await tokenFor(relay, 'nurse-nobody');
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as ErrorBody;
    expect(error).toEqual({
      code: 'not-found',
      message: 'No demo staff member has the id "nurse-nobody": GET /dev/staff lists them.',
    });
  });

  it('answers 400 when the body has no staffId', async () => {
    const response = await relay.fetch('/dev/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'R. Okafor' }),
    });
    expect(response.status).toBe(400);
  });

  it('lets the demo admin move a demo nurse, and /dev/staff shows the move', async () => {
    const admin = await accessTokenFor(relay, 'admin-demo');
    const put = await relay.fetch(`/api/staff/${DEV_TENANT_ID}/nurse-brightwater`, {
      method: 'PUT',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['5E'] }),
    });
    expect(put.status).toBe(200);
    const staff = (await (await relay.fetch('/dev/staff')).json()) as DevStaffWire[];
    expect(staff.find((s) => s.id === 'nurse-brightwater')?.units).toEqual(['5E']);
  });
});

describe('the development key', () => {
  it('is kept in the data folder with mode 0600 and the same kid after a restart', async () => {
    const file = join(dataDir, 'dev-issuer-key.json');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const kidOf = async (harness: AuthHarness) =>
      ((await (await harness.fetch('/dev/jwks.json')).json()) as { keys: { kid: string }[] }).keys.map(
        (k) => k.kid,
      );
    const first = await kidOf(relay);
    expect(first).toHaveLength(1);

    const restarted = await startAuthHarness({ dev: true, dataDir });
    try {
      expect(await kidOf(restarted)).toEqual(first);
      // And the restarted relay validates its own tokens with that key.
      const token = await accessTokenFor(restarted, 'coordinator-sorrel');
      expect((await restarted.fetch('/api/whoami', { headers: bearer(token) })).status).toBe(200);
    } finally {
      await restarted.close();
    }
  });

  it('is put back to mode 0600 if it was left readable by others', async () => {
    if (process.platform === 'win32') return;
    const file = join(dataDir, 'dev-issuer-key.json');
    chmodSync(file, 0o644);
    const restarted = await startAuthHarness({ dev: true, dataDir });
    await restarted.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(restarted.logLines().some((l) => l.event === 'dev-issuer.key-mode-fixed')).toBe(true);
  });

  it('refuses to start on an unreadable key file, with a sentence saying what to do', async () => {
    const brokenDir = mkdtempSync(join(tmpdir(), 'wardline-dev-issuer-broken-'));
    try {
      writeFileSync(join(brokenDir, 'dev-issuer-key.json'), '{"version":1', { mode: 0o600 });
      await expect(startAuthHarness({ dev: true, dataDir: brokenDir })).rejects.toThrow(
        /delete it and a new one is made/,
      );
    } finally {
      rmSync(brokenDir, { recursive: true, force: true });
    }
  });

  it('differs between data folders, so one relay refuses the tokens of another', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'wardline-dev-issuer-other-'));
    const other = await startAuthHarness({ dev: true, dataDir: otherDir });
    try {
      const token = await accessTokenFor(other, 'nurse-okafor');
      const response = await relay.fetch('/api/whoami', { headers: bearer(token) });
      expect(response.status).toBe(401);
    } finally {
      await other.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
