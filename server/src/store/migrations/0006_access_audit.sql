-- Who looked at which task (docs/SECURITY.md A1–A9): one row per open of a task's detail view, its
-- history, or a metrics list of tasks. Append-only: the relay only inserts, and deletes nothing but rows
-- older than ACCESS_AUDIT_RETENTION_DAYS; never with the tasks they name. Ids, enums and times only:
-- no names, no free text. Portable SQL (SQLite now, PostgreSQL later).
CREATE TABLE access_audit (
  -- The open's id: made by the device for its own opens (a resend is a no-op), by the relay otherwise.
  id TEXT PRIMARY KEY,
  -- When the task was opened (the device's clock for an open replayed after an offline view).
  at TEXT NOT NULL,
  -- When the relay stored the row.
  recorded_at TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  staff_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  -- The task's patient reference (e.g. Patient/123) when the relay knew the task; NULL otherwise.
  patient_ref TEXT,
  unit TEXT,
  -- detail | history | metrics-list | csv-export
  view TEXT NOT NULL,
  -- The device's random id (the PWA's), or 'api' for a caller that sent none.
  device TEXT NOT NULL,
  -- online | replayed
  mode TEXT NOT NULL
);
CREATE INDEX access_audit_by_time ON access_audit (at);
CREATE INDEX access_audit_by_staff ON access_audit (tenant_id, staff_id, at);
CREATE INDEX access_audit_by_patient ON access_audit (patient_ref, at);
CREATE INDEX access_audit_by_task ON access_audit (task_id, at);
