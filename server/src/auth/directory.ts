import { ROLES, type Role } from '../../../src/domain/principal';
import type { SqlRunner, StoreEngine, Transaction } from '../store/engine';

/**
 * The staff directory: which units each person works on, keyed by tenant id + object id (`tid` + `oid`).
 * Roles come from the token; units come from here and are read on every request, so moving a nurse from
 * 4W to 5E takes effect on her next request with the same token.
 *
 * Where units come from, strongest first:
 * 1. `admin`: set through `setUnits` (the HTTP API, or the demo seed). Never overwritten by groups.
 * 2. `groups`: seeded from the token's Entra `groups` claim through AUTH_GROUP_UNITS, and kept in step
 *    with it while no admin has set the units.
 * 3. `none`: seen, but not placed on any unit yet (sees only what they own).
 */
export type UnitsSource = 'admin' | 'groups' | 'none';

export interface StaffEntry {
  tenantId: string;
  objectId: string;
  name: string;
  /** App roles from the person's last sign-in (or the demo seed): for reassignment checks only. */
  roles: Role[];
  units: string[];
  unitsSource: UnitsSource;
  /** When the person first presented a token; null for someone an admin placed before they signed in. */
  firstSeenAt: string | null;
  updatedAt: string;
  /** Object id of whoever last set the units explicitly. */
  updatedBy: string | null;
}

/** What a validated token says about the person, as the directory needs it. */
export interface Sighting {
  tenantId: string;
  objectId: string;
  name: string;
  roles: readonly Role[];
  /** Entra group object ids; `undefined` when the token could not list them (group overage). */
  groups: string[] | undefined;
}

export interface SetUnitsInput {
  units: string[];
  name?: string;
  /** Only the demo seed sets roles here; for real staff they come from their tokens. */
  roles?: readonly Role[];
  /** Object id of the admin making the change (or a label such as `dev-seed`). */
  by: string;
}

export interface StaffDirectory {
  /** Current units; `[]` for someone unknown. Cheap enough for every request. */
  unitsOf(tenantId: string, objectId: string): Promise<string[]>;
  /** Records the person on first sight, keeps the name current, seeds units from groups; returns units. */
  admit(sighting: Sighting): Promise<string[]>;
  /** An explicit assignment: from now on the groups claim no longer changes this person's units. */
  setUnits(tenantId: string, objectId: string, input: SetUnitsInput): Promise<StaffEntry>;
  get(tenantId: string, objectId: string): Promise<StaffEntry | undefined>;
  /** Everyone in one tenant, by name. */
  list(tenantId: string): Promise<StaffEntry[]>;
  /**
   * Called after a change of someone's units has committed (the hub re-evaluates live connections):
   * made here, or (`elsewhere`) made by another relay of the cluster and announced (`changedElsewhere`).
   */
  onUnitsChanged(listener: (entry: StaffEntry, where: 'here' | 'elsewhere') => void): () => void;
  /** Another relay changed this person's units: listeners hear it as `elsewhere` (HUB.md H5). */
  changedElsewhere(tenantId: string, objectId: string): Promise<void>;
}

export interface DirectoryOptions {
  db: StoreEngine;
  /** Entra group object id → unit (AUTH_GROUP_UNITS). Empty: no seeding from groups. */
  groupUnits?: Record<string, string>;
  now?: () => Date;
}

interface StaffRow {
  tenant_id: string;
  object_id: string;
  name: string;
  roles: string;
  units_source: string;
  first_seen_at: string | null;
  updated_at: string;
  updated_by: string | null;
}

const UNITS_SOURCES: readonly string[] = ['admin', 'groups', 'none'] satisfies UnitsSource[];

const SELECT_STAFF = 'SELECT * FROM staff WHERE tenant_id = ? AND object_id = ?';
const SELECT_UNITS = 'SELECT unit FROM staff_units WHERE tenant_id = ? AND object_id = ? ORDER BY unit';
const INSERT_STAFF = `INSERT INTO staff (tenant_id, object_id, name, roles, units_source, first_seen_at, updated_at, updated_by)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const UPDATE_UNITS_META = `UPDATE staff SET name = COALESCE(?, name), roles = COALESCE(?, roles), units_source = ?, updated_at = ?, updated_by = ?
  WHERE tenant_id = ? AND object_id = ?`;

export function createStaffDirectory({
  db,
  groupUnits = {},
  now = () => new Date(),
}: DirectoryOptions): StaffDirectory {
  const seedsFromGroups = Object.keys(groupUnits).length > 0;
  const listeners = new Set<(entry: StaffEntry, where: 'here' | 'elsewhere') => void>();

  async function unitsOf(tenantId: string, objectId: string, sql: SqlRunner = db): Promise<string[]> {
    return (await sql.all<{ unit: string }>(SELECT_UNITS, [tenantId, objectId])).map((r) => r.unit);
  }

  function entryOf(row: StaffRow, units: string[]): StaffEntry {
    // Validate on read: a hand-edited row must not turn into an unexpected source.
    const unitsSource = (UNITS_SOURCES.includes(row.units_source) ? row.units_source : 'none') as UnitsSource;
    return {
      tenantId: row.tenant_id,
      objectId: row.object_id,
      name: row.name,
      roles: parseRoles(row.roles),
      units,
      unitsSource,
      firstSeenAt: row.first_seen_at,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  async function get(tenantId: string, objectId: string): Promise<StaffEntry | undefined> {
    const row = await db.get<StaffRow>(SELECT_STAFF, [tenantId, objectId]);
    return row ? entryOf(row, await unitsOf(tenantId, objectId)) : undefined;
  }

  async function replaceUnits(tx: Transaction, tenantId: string, objectId: string, units: string[]) {
    await tx.run('DELETE FROM staff_units WHERE tenant_id = ? AND object_id = ?', [tenantId, objectId]);
    for (const unit of units)
      await tx.run('INSERT INTO staff_units (tenant_id, object_id, unit) VALUES (?, ?, ?)', [
        tenantId,
        objectId,
        unit,
      ]);
  }

  function unitsFromGroups(groups: string[] | undefined): string[] | undefined {
    if (!seedsFromGroups || groups === undefined) return undefined;
    return normalizeUnits(groups.map((g) => groupUnits[g]).filter((u): u is string => u !== undefined));
  }

  async function notify(tenantId: string, objectId: string, where: 'here' | 'elsewhere' = 'here') {
    if (listeners.size === 0) return;
    const entry = await get(tenantId, objectId);
    if (entry) for (const listener of listeners) listener(entry, where);
  }

  /** Two first requests of one person can arrive together: the person's row is locked for the change. */
  const admitTx = (sighting: Sighting) =>
    db.transaction(async (tx): Promise<{ units: string[]; changed: boolean }> => {
      const { tenantId, objectId, name } = sighting;
      await tx.lock(`staff:${tenantId}/${objectId}`);
      const roles = serializeRoles(sighting.roles);
      const at = now().toISOString();
      const fromGroups = unitsFromGroups(sighting.groups);
      const row = await tx.get<StaffRow>(SELECT_STAFF, [tenantId, objectId]);
      if (!row) {
        const units = fromGroups ?? [];
        const source = units.length > 0 ? 'groups' : 'none';
        await tx.run(INSERT_STAFF, [tenantId, objectId, name, roles, source, at, at, null]);
        await replaceUnits(tx, tenantId, objectId, units);
        return { units, changed: units.length > 0 };
      }
      // The identity provider is the authority for names; write only when something changed.
      if (row.name !== name || row.roles !== roles || row.first_seen_at === null) {
        await tx.run(
          'UPDATE staff SET name = ?, roles = ?, first_seen_at = COALESCE(first_seen_at, ?) WHERE tenant_id = ? AND object_id = ?',
          [name, roles, at, tenantId, objectId],
        );
      }
      const current = await unitsOf(tenantId, objectId, tx);
      if (row.units_source === 'admin' || fromGroups === undefined || sameUnits(current, fromGroups)) {
        return { units: current, changed: false };
      }
      const source = fromGroups.length > 0 ? 'groups' : 'none';
      await tx.run(UPDATE_UNITS_META, [null, null, source, at, null, tenantId, objectId]);
      await replaceUnits(tx, tenantId, objectId, fromGroups);
      return { units: fromGroups, changed: true };
    });

  /**
   * Every request admits its caller, and almost always nothing changed since the last one: two reads
   * then answer without a write transaction (a reconnect storm is 20,000 admits of the same people).
   * Anything to write (a first sight, a new name or roles, units seeded from changed groups) goes
   * through `admitTx`, which decides again under the person's lock.
   */
  async function unitsIfNothingToWrite(sighting: Sighting): Promise<string[] | undefined> {
    const { tenantId, objectId } = sighting;
    const row = await db.get<StaffRow>(SELECT_STAFF, [tenantId, objectId]);
    if (!row || row.first_seen_at === null) return undefined;
    if (row.name !== sighting.name || row.roles !== serializeRoles(sighting.roles)) return undefined;
    const current = await unitsOf(tenantId, objectId);
    const fromGroups = unitsFromGroups(sighting.groups);
    if (row.units_source === 'admin' || fromGroups === undefined || sameUnits(current, fromGroups)) {
      return current;
    }
    return undefined;
  }

  const setUnitsTx = (tenantId: string, objectId: string, input: SetUnitsInput) =>
    db.transaction(async (tx) => {
      await tx.lock(`staff:${tenantId}/${objectId}`);
      const at = now().toISOString();
      const units = normalizeUnits(input.units);
      if (!(await tx.get(SELECT_STAFF, [tenantId, objectId]))) {
        // Placed by an admin before their first sign-in: the name is a placeholder until then.
        const roles = serializeRoles(input.roles ?? []);
        await tx.run(INSERT_STAFF, [
          tenantId,
          objectId,
          input.name ?? '',
          roles,
          'admin',
          null,
          at,
          input.by,
        ]);
      } else {
        const roles = input.roles ? serializeRoles(input.roles) : null;
        await tx.run(UPDATE_UNITS_META, [
          input.name ?? null,
          roles,
          'admin',
          at,
          input.by,
          tenantId,
          objectId,
        ]);
      }
      await replaceUnits(tx, tenantId, objectId, units);
    });

  return {
    unitsOf: (tenantId, objectId) => unitsOf(tenantId, objectId),
    get,
    async admit(sighting) {
      const unchanged = await unitsIfNothingToWrite(sighting);
      if (unchanged) return unchanged;
      const { units, changed } = await admitTx(sighting);
      if (changed) await notify(sighting.tenantId, sighting.objectId);
      return units;
    },
    async setUnits(tenantId, objectId, input) {
      await setUnitsTx(tenantId, objectId, input);
      await notify(tenantId, objectId);
      const entry = await get(tenantId, objectId);
      if (!entry)
        throw new Error(`The staff entry ${tenantId}/${objectId} vanished right after it was written.`);
      return entry;
    },
    async list(tenantId) {
      const unitsByPerson = new Map<string, string[]>();
      const rows = await db.all<{ object_id: string; unit: string }>(
        'SELECT object_id, unit FROM staff_units WHERE tenant_id = ? ORDER BY unit',
        [tenantId],
      );
      for (const { object_id, unit } of rows) {
        const units = unitsByPerson.get(object_id) ?? [];
        units.push(unit);
        unitsByPerson.set(object_id, units);
      }
      const staff = await db.all<StaffRow>(
        'SELECT * FROM staff WHERE tenant_id = ? ORDER BY name, object_id',
        [tenantId],
      );
      return staff.map((row) => entryOf(row, unitsByPerson.get(row.object_id) ?? []));
    },
    onUnitsChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    changedElsewhere: (tenantId, objectId) => notify(tenantId, objectId, 'elsewhere'),
  };
}

/** Trimmed, de-duplicated, sorted: the same set of units always reads the same. */
export function normalizeUnits(units: readonly string[]): string[] {
  return [...new Set(units.map((u) => u.trim()).filter(Boolean))].sort();
}

function sameUnits(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((unit, i) => unit === b[i]);
}

const KNOWN_ROLES: ReadonlySet<string> = new Set(ROLES);

function serializeRoles(roles: readonly Role[]): string {
  return [...new Set(roles)].sort().join(',');
}

/** Validated on read: an unknown or hand-edited role name is dropped, never trusted. */
function parseRoles(text: string): Role[] {
  return text.split(',').filter((r): r is Role => KNOWN_ROLES.has(r));
}
