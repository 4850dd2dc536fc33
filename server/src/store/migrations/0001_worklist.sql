-- The live worklist. Portable SQL (SQLite now, PostgreSQL for several relays): no AUTOINCREMENT,
-- no SQLite-only types; JSON is stored as TEXT and validated on read.

-- Current state of every task, one row each. `body` is the wire-shape task (src/domain) as JSON.
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  owner_id TEXT,
  revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  next_escalation_at TEXT,
  body TEXT NOT NULL
);
CREATE INDEX tasks_by_seq ON tasks (seq);
CREATE INDEX tasks_by_unit_status ON tasks (unit, status);
CREATE INDEX tasks_by_next_escalation ON tasks (next_escalation_at);

-- Append-only log of every state change. `seq` is global and gap-free: it is taken as MAX + 1 inside the
-- writing transaction, and writes are serialized, so a rolled-back transaction leaves no hole.
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  change TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  command_id TEXT,
  event_id TEXT,
  version_before INTEGER NOT NULL,
  version_after INTEGER NOT NULL,
  at TEXT NOT NULL,
  detail TEXT,
  task TEXT NOT NULL
);
CREATE INDEX changes_by_task ON changes (task_id, seq);

-- Inbound event ids already processed, with their outcome: re-delivery is harmless.
CREATE TABLE inbox (
  event_id TEXT PRIMARY KEY,
  task_id TEXT,
  type TEXT NOT NULL,
  result TEXT NOT NULL,
  reason TEXT,
  received_at TEXT NOT NULL
);

-- Staff actions by idempotency key, with the stored result, so a repeat gets the original answer.
CREATE TABLE commands (
  command_id TEXT PRIMARY KEY,
  seq INTEGER,
  actor_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  type TEXT NOT NULL,
  result TEXT NOT NULL,
  at TEXT NOT NULL
);

-- Events for upstream, written in the same transaction as the change; drained by the publisher.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  published_at TEXT
);
CREATE INDEX outbox_unpublished ON outbox (published_at, id);
