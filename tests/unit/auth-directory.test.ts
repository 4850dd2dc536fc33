import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStaffDirectory, type StaffDirectory, type StaffEntry } from '../../server/src/auth';
import { openSqliteStore, type StoreEngine } from '../../server/src/store/database';

const T = '11111111-2222-4333-8444-555555555555';
const OTHER_T = '99999999-8888-4777-8666-555555555555';
const G_4W = '64000000-0000-4000-8000-0000000000a4';
const G_5E = '64000000-0000-4000-8000-0000000000a5';

let db: StoreEngine;
let clock: Date;
let directory: StaffDirectory;

beforeEach(async () => {
  db = await openSqliteStore();
  clock = new Date('2025-03-01T07:00:00.000Z');
  directory = createStaffDirectory({ db, groupUnits: { [G_4W]: '4W', [G_5E]: '5E' }, now: () => clock });
});

afterEach(() => db.close());

/** `groups: undefined` is meaningful (the token could not list them), so no default parameter here. */
async function sight(objectId: string, groups?: string[] | 'overage', name = 'R. Okafor', tenantId = T) {
  return directory.admit({
    tenantId,
    objectId,
    name,
    roles: ['Nurse'],
    groups: groups === 'overage' ? undefined : (groups ?? []),
  });
}

describe('the staff directory', () => {
  it('is created by migration 0002 with the tenant id + object id key', async () => {
    const versions = await db.all('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(versions).toContainEqual({ version: 2, name: 'staff_directory' });
    const pk = (
      await db.all<{ name: string }>("SELECT name FROM pragma_table_info('staff') WHERE pk > 0 ORDER BY pk")
    ).map((r) => r.name);
    expect(pk).toEqual(['tenant_id', 'object_id']);
  });

  it('records someone on first sight, with no units and no groups', async () => {
    expect(await sight('nurse-1')).toEqual([]);
    expect(await directory.get(T, 'nurse-1')).toEqual<StaffEntry>({
      tenantId: T,
      objectId: 'nurse-1',
      name: 'R. Okafor',
      roles: ['Nurse'],
      units: [],
      unitsSource: 'none',
      firstSeenAt: '2025-03-01T07:00:00.000Z',
      updatedAt: '2025-03-01T07:00:00.000Z',
      updatedBy: null,
    });
  });

  it('seeing someone again is harmless and keeps the name current', async () => {
    await sight('nurse-1');
    await sight('nurse-1');
    await sight('nurse-1', [], 'R. Okafor-Smith');
    expect(await directory.list(T)).toHaveLength(1);
    expect((await directory.get(T, 'nurse-1'))?.name).toBe('R. Okafor-Smith');
  });

  it('setUnits replaces the units, normalised, and records who did it', async () => {
    await sight('nurse-1');
    clock = new Date('2025-03-01T19:00:00.000Z');
    const entry = await directory.setUnits(T, 'nurse-1', { units: [' 5E', '4W', '5E'], by: 'admin-1' });
    expect(entry).toMatchObject({
      units: ['4W', '5E'],
      unitsSource: 'admin',
      updatedBy: 'admin-1',
      updatedAt: '2025-03-01T19:00:00.000Z',
    });
    expect(await directory.unitsOf(T, 'nurse-1')).toEqual(['4W', '5E']);
    await directory.setUnits(T, 'nurse-1', { units: [], by: 'admin-1' });
    expect(await directory.unitsOf(T, 'nurse-1')).toEqual([]);
  });

  it('keys by tenant and object id: the same object id in another tenant is someone else', async () => {
    await directory.setUnits(T, 'same-oid', { units: ['4W'], by: 'admin-1' });
    await directory.setUnits(OTHER_T, 'same-oid', { units: ['ICU'], by: 'admin-2' });
    expect(await directory.unitsOf(T, 'same-oid')).toEqual(['4W']);
    expect(await directory.unitsOf(OTHER_T, 'same-oid')).toEqual(['ICU']);
    expect((await directory.list(T)).map((e) => e.units)).toEqual([['4W']]);
  });

  it('unknown people have no units', async () => {
    expect(await directory.unitsOf(T, 'nobody')).toEqual([]);
    expect(await directory.get(T, 'nobody')).toBeUndefined();
  });

  it('seeds units from mapped groups and ignores unmapped ones', async () => {
    expect(await sight('nurse-2', [G_5E, 'some-other-group'])).toEqual(['5E']);
    expect((await directory.get(T, 'nurse-2'))?.unitsSource).toBe('groups');
  });

  it('follows the groups claim while no admin has placed the person, including leaving every group', async () => {
    await sight('nurse-2', [G_4W]);
    expect(await sight('nurse-2', [G_4W, G_5E])).toEqual(['4W', '5E']);
    expect(await sight('nurse-2', [])).toEqual([]);
    expect((await directory.get(T, 'nurse-2'))?.unitsSource).toBe('none');
  });

  it('keeps the units when the token cannot list the groups (overage)', async () => {
    await sight('nurse-2', [G_4W]);
    expect(await sight('nurse-2', 'overage')).toEqual(['4W']);
  });

  it('an explicit assignment wins over the groups claim from then on', async () => {
    await sight('nurse-3', [G_4W]);
    await directory.setUnits(T, 'nurse-3', { units: ['ICU'], by: 'admin-1' });
    expect(await sight('nurse-3', [G_4W, G_5E])).toEqual(['ICU']);
  });

  it('does not seed from groups when no map is configured', async () => {
    const plain = createStaffDirectory({ db });
    expect(
      await plain.admit({ tenantId: T, objectId: 'nurse-4', name: 'X', roles: ['Nurse'], groups: [G_4W] }),
    ).toEqual([]);
  });

  it('tells listeners about a change of units, and only then', async () => {
    const changes: string[][] = [];
    const stop = directory.onUnitsChanged((entry) => changes.push(entry.units));
    await sight('nurse-5');
    await directory.setUnits(T, 'nurse-5', { units: ['4W'], by: 'admin-1' });
    await sight('nurse-6', [G_5E]);
    await sight('nurse-6', [G_5E]);
    stop();
    await directory.setUnits(T, 'nurse-5', { units: ['5E'], by: 'admin-1' });
    expect(changes).toEqual([['4W'], ['5E']]);
  });

  it('a placeholder created by an admin gets its name and first-seen time at the first sign-in', async () => {
    await directory.setUnits(T, 'newcomer', { units: ['4W'], by: 'admin-1' });
    expect(await directory.get(T, 'newcomer')).toMatchObject({ name: '', firstSeenAt: null });
    await sight('newcomer', [], 'N. Comer');
    expect(await directory.get(T, 'newcomer')).toMatchObject({
      name: 'N. Comer',
      firstSeenAt: '2025-03-01T07:00:00.000Z',
      units: ['4W'],
    });
  });
});
