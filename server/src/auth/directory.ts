import { ROLES, type Role } from '../../../src/domain/principal';
import type { Db } from '../store/database';

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
  unitsOf(tenantId: string, objectId: string): string[];
  /** Records the person on first sight, keeps the name current, seeds units from groups; returns units. */
  admit(sighting: Sighting): string[];
  /** An explicit assignment: from now on the groups claim no longer changes this person's units. */
  setUnits(tenantId: string, objectId: string, input: SetUnitsInput): StaffEntry;
  get(tenantId: string, objectId: string): StaffEntry | undefined;
  /** Everyone in one tenant, by name. */
  list(tenantId: string): StaffEntry[];
  /** Called after a change of someone's units has committed (the hub re-evaluates live connections). */
  onUnitsChanged(listener: (entry: StaffEntry) => void): () => void;
}

export interface DirectoryOptions {
  db: Db;
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

export function createStaffDirectory({
  db,
  groupUnits = {},
  now = () => new Date(),
}: DirectoryOptions): StaffDirectory {
  const seedsFromGroups = Object.keys(groupUnits).length > 0;
  const listeners = new Set<(entry: StaffEntry) => void>();

  const selectStaff = db.prepare<[string, string], StaffRow>(
    'SELECT * FROM staff WHERE tenant_id = ? AND object_id = ?',
  );
  const selectUnits = db.prepare<[string, string], { unit: string }>(
    'SELECT unit FROM staff_units WHERE tenant_id = ? AND object_id = ? ORDER BY unit',
  );
  const selectTenantStaff = db.prepare<[string], StaffRow>(
    'SELECT * FROM staff WHERE tenant_id = ? ORDER BY name, object_id',
  );
  const selectTenantUnits = db.prepare<[string], { object_id: string; unit: string }>(
    'SELECT object_id, unit FROM staff_units WHERE tenant_id = ? ORDER BY unit',
  );
  const insertStaff = db.prepare(
    `INSERT INTO staff (tenant_id, object_id, name, roles, units_source, first_seen_at, updated_at, updated_by)
     VALUES (@tenantId, @objectId, @name, @roles, @source, @firstSeenAt, @at, @by)`,
  );
  const updateSighting = db.prepare(
    `UPDATE staff SET name = @name, roles = @roles, first_seen_at = COALESCE(first_seen_at, @at)
     WHERE tenant_id = @tenantId AND object_id = @objectId`,
  );
  const updateUnitsMeta = db.prepare(
    `UPDATE staff SET name = COALESCE(@name, name), roles = COALESCE(@roles, roles), units_source = @source, updated_at = @at, updated_by = @by
     WHERE tenant_id = @tenantId AND object_id = @objectId`,
  );
  const deleteUnits = db.prepare('DELETE FROM staff_units WHERE tenant_id = ? AND object_id = ?');
  const insertUnit = db.prepare('INSERT INTO staff_units (tenant_id, object_id, unit) VALUES (?, ?, ?)');

  function unitsOf(tenantId: string, objectId: string): string[] {
    return selectUnits.all(tenantId, objectId).map((r) => r.unit);
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

  function get(tenantId: string, objectId: string): StaffEntry | undefined {
    const row = selectStaff.get(tenantId, objectId);
    return row ? entryOf(row, unitsOf(tenantId, objectId)) : undefined;
  }

  function replaceUnits(tenantId: string, objectId: string, units: string[]): void {
    deleteUnits.run(tenantId, objectId);
    for (const unit of units) insertUnit.run(tenantId, objectId, unit);
  }

  function unitsFromGroups(groups: string[] | undefined): string[] | undefined {
    if (!seedsFromGroups || groups === undefined) return undefined;
    return normalizeUnits(groups.map((g) => groupUnits[g]).filter((u): u is string => u !== undefined));
  }

  function notify(tenantId: string, objectId: string): void {
    if (listeners.size === 0) return;
    const entry = get(tenantId, objectId);
    if (entry) for (const listener of listeners) listener(entry);
  }

  const admitTx = db.transaction((sighting: Sighting): { units: string[]; changed: boolean } => {
    const { tenantId, objectId, name } = sighting;
    const roles = serializeRoles(sighting.roles);
    const at = now().toISOString();
    const fromGroups = unitsFromGroups(sighting.groups);
    const row = selectStaff.get(tenantId, objectId);
    if (!row) {
      const units = fromGroups ?? [];
      insertStaff.run({
        tenantId,
        objectId,
        name,
        roles,
        source: units.length > 0 ? 'groups' : 'none',
        firstSeenAt: at,
        at,
        by: null,
      });
      replaceUnits(tenantId, objectId, units);
      return { units, changed: units.length > 0 };
    }
    // The identity provider is the authority for names; write only when something changed.
    if (row.name !== name || row.roles !== roles || row.first_seen_at === null) {
      updateSighting.run({ tenantId, objectId, name, roles, at });
    }
    const current = unitsOf(tenantId, objectId);
    if (row.units_source === 'admin' || fromGroups === undefined || sameUnits(current, fromGroups)) {
      return { units: current, changed: false };
    }
    updateUnitsMeta.run({
      tenantId,
      objectId,
      name: null,
      roles: null,
      source: fromGroups.length > 0 ? 'groups' : 'none',
      at,
      by: null,
    });
    replaceUnits(tenantId, objectId, fromGroups);
    return { units: fromGroups, changed: true };
  });

  const setUnitsTx = db.transaction((tenantId: string, objectId: string, input: SetUnitsInput) => {
    const at = now().toISOString();
    const units = normalizeUnits(input.units);
    if (!selectStaff.get(tenantId, objectId)) {
      // Placed by an admin before their first sign-in: the name is a placeholder until then.
      insertStaff.run({
        tenantId,
        objectId,
        name: input.name ?? '',
        roles: serializeRoles(input.roles ?? []),
        source: 'admin',
        firstSeenAt: null,
        at,
        by: input.by,
      });
    } else {
      updateUnitsMeta.run({
        tenantId,
        objectId,
        name: input.name ?? null,
        roles: input.roles ? serializeRoles(input.roles) : null,
        source: 'admin',
        at,
        by: input.by,
      });
    }
    replaceUnits(tenantId, objectId, units);
  });

  return {
    unitsOf,
    get,
    admit(sighting) {
      const { units, changed } = admitTx(sighting);
      if (changed) notify(sighting.tenantId, sighting.objectId);
      return units;
    },
    setUnits(tenantId, objectId, input) {
      setUnitsTx(tenantId, objectId, input);
      notify(tenantId, objectId);
      const entry = get(tenantId, objectId);
      if (!entry)
        throw new Error(`The staff entry ${tenantId}/${objectId} vanished right after it was written.`);
      return entry;
    },
    list(tenantId) {
      const unitsByPerson = new Map<string, string[]>();
      for (const { object_id, unit } of selectTenantUnits.all(tenantId)) {
        const units = unitsByPerson.get(object_id) ?? [];
        units.push(unit);
        unitsByPerson.set(object_id, units);
      }
      return selectTenantStaff
        .all(tenantId)
        .map((row) => entryOf(row, unitsByPerson.get(row.object_id) ?? []));
    },
    onUnitsChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
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
