-- Patient assignments (docs/ASSIGNMENTS.md): for each unit and shift, a bed has at most one assigned
-- nurse. Portable SQL (SQLite and PostgreSQL); times are ISO 8601 text like the rest of the worklist.

-- The current holder of each assigned bed, per shift: an unassigned bed has no row. A new shift starts
-- with none, so an assignment ends with its shift without anything being deleted (AS8).
CREATE TABLE bed_assignments (
  unit TEXT NOT NULL,
  shift_id TEXT NOT NULL,
  bed TEXT NOT NULL,
  nurse_id TEXT NOT NULL,
  nurse_name TEXT NOT NULL,
  assigned_by_id TEXT NOT NULL,
  assigned_by_name TEXT NOT NULL,
  assigned_at TEXT NOT NULL,
  -- `charge`, `self` or `ehr` (the EHR's care-team hint).
  source TEXT NOT NULL,
  PRIMARY KEY (unit, shift_id, bed)
);

-- Append-only: who assigned whom to which bed, when (AS15). One row per bed per command; `ord` is the
-- bed's place in its command; `unit_seq` orders a unit's rows (taken under the unit's board lock, so
-- two commands in one millisecond still read back in the order they committed). `nurse_id` NULL =
-- unassigned.
CREATE TABLE assignment_audit (
  command_id TEXT NOT NULL,
  ord INTEGER NOT NULL,
  unit_seq INTEGER NOT NULL,
  unit TEXT NOT NULL,
  shift_id TEXT NOT NULL,
  bed TEXT NOT NULL,
  nurse_id TEXT,
  nurse_name TEXT,
  previous_nurse_id TEXT,
  previous_nurse_name TEXT,
  by_id TEXT NOT NULL,
  by_name TEXT NOT NULL,
  source TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (command_id, ord)
);
CREATE UNIQUE INDEX assignment_audit_by_unit ON assignment_audit (unit, unit_seq);

-- assignBeds commands by idempotency key, with the stored answer, so a repeat gets the original (AS7).
CREATE TABLE assignment_commands (
  command_id TEXT PRIMARY KEY,
  actor_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  result TEXT NOT NULL,
  at TEXT NOT NULL
);
