import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthConfig, type AuthConfig } from '../../server/src/auth';
import { bearer, startAuthHarness, type AuthHarness, type ErrorBody } from '../helpers/auth-harness';
import {
  makeTestKey,
  mintToken,
  OTHER_TENANT_ID,
  startTestIdp,
  TEST_API_CLIENT_ID,
  TEST_TENANT_ID,
  type TestIdp,
  type TestKey,
} from '../helpers/auth-idp';

/**
 * The staff directory through HTTP: an admin places people on units, and a move applies to the person's
 * next request with the token she already has.
 */

const ADMIN_OID = 'ad000000-0000-4000-8000-000000000001';
const NURSE_OID = '0b000000-0000-4000-8000-000000000002';
const SUPERVISOR_OID = '5b000000-0000-4000-8000-000000000003';
const GROUP_4W = '64000000-0000-4000-8000-0000000000a4';
const GROUP_ICU = '64000000-0000-4000-8000-0000000000ac';

let idp: TestIdp;
let key: TestKey;
let relay: AuthHarness;
let adminToken: string;
let nurseToken: string;
let supervisorToken: string;

function settings(groupUnits?: string) {
  const { config, problems } = parseAuthConfig({
    AUTH_TENANT_ID: TEST_TENANT_ID,
    AUTH_API_CLIENT_ID: TEST_API_CLIENT_ID,
    AUTH_JWKS_URI: idp.jwksUri,
    ...(groupUnits ? { AUTH_GROUP_UNITS: groupUnits } : {}),
  });
  expect(problems).toEqual([]);
  return config as AuthConfig;
}

function person(oid: string, name: string, role: string, extra: Record<string, unknown> = {}) {
  return mintToken(key, { claims: { oid, name, roles: [role], ...extra } });
}

beforeAll(async () => {
  key = await makeTestKey();
  idp = await startTestIdp([key]);
  relay = await startAuthHarness({ settings: () => settings() });
  adminToken = await person(ADMIN_OID, 'Ada Admin', 'Admin');
  nurseToken = await person(NURSE_OID, 'R. Okafor', 'Nurse');
  supervisorToken = await person(SUPERVISOR_OID, 'B. Night', 'Supervisor');
});

afterAll(async () => {
  await relay?.close();
  await idp?.close();
});

async function putUnits(token: string, oid: string, body: unknown, tenantId = TEST_TENANT_ID) {
  return relay.fetch(`/api/staff/${tenantId}/${oid}`, {
    method: 'PUT',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function unitsSeenBy(token: string): Promise<string[]> {
  const response = await relay.fetch('/api/whoami', { headers: bearer(token) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { units: string[] }).units;
}

describe('the staff directory API', () => {
  it('records a person on first sight, with no units until someone places them', async () => {
    expect(await unitsSeenBy(nurseToken)).toEqual([]);
    const response = await relay.fetch('/api/staff', { headers: bearer(adminToken) });
    expect(response.status).toBe(200);
    const { staff } = (await response.json()) as {
      staff: { objectId: string; name: string; unitsSource: string }[];
    };
    expect(staff.find((s) => s.objectId === NURSE_OID)).toMatchObject({
      name: 'R. Okafor',
      unitsSource: 'none',
    });
  });

  it('lets an Admin set units, and the answer is the stored entry', async () => {
    const response = await putUnits(adminToken, NURSE_OID, { units: ['4W', ' 4W '] });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      tenantId: TEST_TENANT_ID,
      objectId: NURSE_OID,
      name: 'R. Okafor',
      units: ['4W'],
      unitsSource: 'admin',
      updatedBy: ADMIN_OID,
    });
    expect(await unitsSeenBy(nurseToken)).toEqual(['4W']);
  });

  it('moves a nurse from 4W to 5E: her next request with the same token has the new units', async () => {
    await putUnits(adminToken, NURSE_OID, { units: ['4W'] });
    expect(await unitsSeenBy(nurseToken)).toEqual(['4W']);
    const response = await putUnits(adminToken, NURSE_OID, { units: ['5E'] });
    expect(response.status).toBe(200);
    expect(await unitsSeenBy(nurseToken)).toEqual(['5E']);
  });

  it('repeating the same assignment is harmless', async () => {
    const first = await putUnits(adminToken, NURSE_OID, { units: ['5E', 'ICU'] });
    const second = await putUnits(adminToken, NURSE_OID, { units: ['ICU', '5E'] });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { units: string[] }).units).toEqual(['5E', 'ICU']);
    expect(await unitsSeenBy(nurseToken)).toEqual(['5E', 'ICU']);
  });

  it('lets an Admin place someone before their first sign-in, with a name', async () => {
    const newcomer = '0c000000-0000-4000-8000-000000000009';
    const response = await putUnits(adminToken, newcomer, { name: 'New Starter', units: ['ICU'] });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: 'New Starter', units: ['ICU'], firstSeenAt: null });
    const token = await person(newcomer, 'N. Starter', 'Nurse');
    expect(await unitsSeenBy(token)).toEqual(['ICU']);
  });

  it('refuses a Nurse who tries to change units, with 403 and a sentence', async () => {
    const response = await putUnits(nurseToken, NURSE_OID, { units: ['4W', '5E', 'ICU'] });
    expect(response.status).toBe(403);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toEqual({
      code: 'forbidden',
      message:
        'R. Okafor (Nurse) may not change unit assignments in the staff directory: that needs the Admin role.',
    });
    expect(relay.logLines().some((l) => l.event === 'auth.forbidden' && l.permission === 'staff.write')).toBe(
      true,
    );
  });

  it('refuses a Nurse who tries to read the directory', async () => {
    const response = await relay.fetch('/api/staff', { headers: bearer(nurseToken) });
    expect(response.status).toBe(403);
  });

  it('lets a Supervisor read the directory but not change it', async () => {
    const read = await relay.fetch('/api/staff', { headers: bearer(supervisorToken) });
    expect(read.status).toBe(200);
    const write = await putUnits(supervisorToken, NURSE_OID, { units: ['4W'] });
    expect(write.status).toBe(403);
  });

  it('refuses an Admin changing staff of another tenant', async () => {
    const response = await putUnits(adminToken, NURSE_OID, { units: ['4W'] }, OTHER_TENANT_ID);
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error.message).toMatch(/another organisation/);
  });

  it('answers 401 without a token', async () => {
    const response = await relay.fetch(`/api/staff/${TEST_TENANT_ID}/${NURSE_OID}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['4W'] }),
    });
    expect(response.status).toBe(401);
  });

  it.each([
    ['units missing', { name: 'X' }, /units/],
    ['units not a list', { units: '4W' }, /units/],
    ['an empty unit name', { units: ['4W', ''] }, /units\[1\]: A unit name cannot be empty/],
    ['a unit name with markup', { units: ['<b>4W</b>'] }, /units\[0\]/],
    ['an unknown field', { units: ['4W'], role: 'Admin' }, /role/],
    ['not JSON', '{units:', /not valid JSON/],
  ])('answers 400 with the reason for an invalid body: %s', async (_case, body, reason) => {
    const response = await putUnits(adminToken, NURSE_OID, body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('invalid');
    expect(error.message).toMatch(reason);
  });

  it('leaves the units unchanged after an invalid body', async () => {
    await putUnits(adminToken, NURSE_OID, { units: ['5E'] });
    await putUnits(adminToken, NURSE_OID, { units: [''] });
    expect(await unitsSeenBy(nurseToken)).toEqual(['5E']);
  });
});

describe('seeding units from Entra groups (AUTH_GROUP_UNITS)', () => {
  let seeded: AuthHarness;
  beforeAll(async () => {
    const config = settings(JSON.stringify({ [GROUP_4W]: '4W', [GROUP_ICU]: 'ICU' }));
    seeded = await startAuthHarness({ settings: () => config, groupUnits: config.groupUnits });
  });
  afterAll(async () => {
    await seeded?.close();
  });

  async function units(token: string): Promise<string[]> {
    const response = await seeded.fetch('/api/whoami', { headers: bearer(token) });
    return ((await response.json()) as { units: string[] }).units;
  }

  it('places someone the directory has no explicit entry for on the units of their groups', async () => {
    const oid = '0d000000-0000-4000-8000-000000000001';
    const token = await person(oid, 'G. Member', 'Nurse', { groups: [GROUP_4W, 'unmapped-group'] });
    expect(await units(token)).toEqual(['4W']);
    expect((await seeded.directory.get(TEST_TENANT_ID, oid))?.unitsSource).toBe('groups');
  });

  it('follows group changes while no admin has placed the person', async () => {
    const oid = '0d000000-0000-4000-8000-000000000002';
    expect(await units(await person(oid, 'G. Mover', 'Nurse', { groups: [GROUP_4W] }))).toEqual(['4W']);
    expect(await units(await person(oid, 'G. Mover', 'Nurse', { groups: [GROUP_ICU] }))).toEqual(['ICU']);
  });

  it('keeps the seeded units when Entra could not list the groups (overage: _claim_names.groups)', async () => {
    const oid = '0d000000-0000-4000-8000-000000000004';
    expect(await units(await person(oid, 'G. Many', 'Nurse', { groups: [GROUP_ICU] }))).toEqual(['ICU']);
    const overage = await person(oid, 'G. Many', 'Nurse', {
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
    });
    expect(await units(overage)).toEqual(['ICU']);
  });

  it("lets an admin's explicit assignment win over the groups claim", async () => {
    const oid = '0d000000-0000-4000-8000-000000000003';
    const token = await person(oid, 'G. Placed', 'Nurse', { groups: [GROUP_4W] });
    expect(await units(token)).toEqual(['4W']);
    await seeded.directory.setUnits(TEST_TENANT_ID, oid, { units: ['5E'], by: ADMIN_OID });
    expect(await units(token)).toEqual(['5E']);
  });
});
