-- The staff directory: which units each person works on. Keyed by the Entra tenant id and object id
-- (tid + oid), never by name or sub. Roles are NOT here: they come from the token's roles claim.
-- Units are read on every request, so a move at shift change takes effect without a new token.
-- Portable SQL (SQLite now, PostgreSQL later): no AUTOINCREMENT, timestamps as ISO-8601 TEXT.

CREATE TABLE staff (
  tenant_id TEXT NOT NULL,
  object_id TEXT NOT NULL,
  -- Display name: from the token at each sign-in; an admin may set it before the first one.
  name TEXT NOT NULL,
  -- Where the units came from: 'admin' (set explicitly, wins over everything), 'groups' (seeded from
  -- the token's Entra groups through AUTH_GROUP_UNITS, refreshed while no admin has set them), 'none'.
  units_source TEXT NOT NULL CHECK (units_source IN ('admin', 'groups', 'none')),
  first_seen_at TEXT,
  updated_at TEXT NOT NULL,
  -- Object id of the admin who last set the units, for the audit question "who moved her?".
  updated_by TEXT,
  PRIMARY KEY (tenant_id, object_id)
);

CREATE TABLE staff_units (
  tenant_id TEXT NOT NULL,
  object_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  PRIMARY KEY (tenant_id, object_id, unit),
  FOREIGN KEY (tenant_id, object_id) REFERENCES staff (tenant_id, object_id) ON DELETE CASCADE
);
-- "Who works on 4W?" for the hub's fan-out and alert routing.
CREATE INDEX staff_units_by_unit ON staff_units (unit);
