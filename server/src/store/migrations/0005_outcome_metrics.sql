-- Outcome metrics (docs/METRICS.md): a projection of the append-only `changes` log, one row per task,
-- holding the moments the metrics measure between (arrival, first claim, first acknowledgement,
-- completion) and the task's latest attributes. It is derived data: server/src/metrics/projection.ts
-- folds `changes` into it by `seq`, and deleting every row here (cursor back to 0) rebuilds it.
-- Why a projection and not queries on `changes`: priority, the acknowledge-by time and the checklist at
-- completion live only in the JSON snapshots, and parsing thousands of them per dashboard request is too
-- slow; JSON operators in SQL are not portable between SQLite and PostgreSQL.
-- Backfill: none in SQL (it needs the JSON snapshots); the first catch-up after this migration folds the
-- whole existing log, in batches that yield to the event loop.
-- Times are INTEGER milliseconds since the epoch (UTC), not ISO text: a week of three wards is ~40,000
-- tasks per figure, and parsing that many strings per request costs more than the rest of the request.
-- Integer arithmetic and comparisons are portable (BIGINT in PostgreSQL); every duration is `end - start`.

CREATE TABLE outcome_tasks (
  task_id TEXT PRIMARY KEY,
  -- Latest attributes (as of the task's last folded change): what the metrics group and filter by.
  unit TEXT NOT NULL,
  kind TEXT NOT NULL,
  priority TEXT NOT NULL,
  status TEXT NOT NULL,
  title TEXT NOT NULL,
  -- Comma-separated roles, and the owner: enough for visibleTo() without parsing the task.
  candidate_roles TEXT NOT NULL,
  owner_id TEXT,
  exception_reason TEXT,
  escalation_level INTEGER NOT NULL,
  ack_by_ms BIGINT,
  due_ms BIGINT,
  expected_discharge_ms BIGINT,
  -- Moments, each the `at` of the task's first change of its kind (docs/METRICS.md [M1]).
  created_ms BIGINT NOT NULL,
  claimed_ms BIGINT,
  acknowledged_ms BIGINT,
  completed_ms BIGINT,
  cancelled_ms BIGINT,
  escalated_ms BIGINT,
  -- Discharges, at completion: 1 when every checklist item was done at or before the expected discharge
  -- time, 0 when not, NULL when the task is not a completed discharge or had no expected time.
  checklist_done_by_expected INTEGER,
  last_seq BIGINT NOT NULL
);
-- Each window metric reads one moment over [from, to) for the caller's units. The indexes carry every
-- column those reads use (covering), so a week's figures never touch the table rows.
CREATE INDEX outcome_tasks_by_claimed ON outcome_tasks (unit, claimed_ms, created_ms, kind, priority);
CREATE INDEX outcome_tasks_by_acknowledged
  ON outcome_tasks (unit, acknowledged_ms, created_ms, kind, priority, escalated_ms, ack_by_ms, due_ms);
CREATE INDEX outcome_tasks_by_completed
  ON outcome_tasks (unit, completed_ms, created_ms, kind, priority, checklist_done_by_expected);
CREATE INDEX outcome_tasks_by_ack_by
  ON outcome_tasks (unit, ack_by_ms, acknowledged_ms, cancelled_ms, kind, priority);
-- "Now" metrics (overdue work, exception backlog) read the open tasks, a small share of all rows. A
-- partial index, so that no planner can prefer walking a whole unit: its WHERE must match the queries'
-- (server/src/metrics/definitions.ts OPEN_STATUSES_SQL) term for term.
CREATE INDEX outcome_tasks_open ON outcome_tasks (unit, kind)
  WHERE status IN ('requested', 'accepted', 'in-progress', 'on-hold');

-- One row per `escalated` change: the level reached, and whether a person (not the timer) raised it.
CREATE TABLE outcome_escalations (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  level INTEGER NOT NULL,
  at_ms BIGINT NOT NULL,
  by_person INTEGER NOT NULL
);
CREATE INDEX outcome_escalations_by_at ON outcome_escalations (unit, at_ms, level);

-- How far the projection has read `changes` (one row).
CREATE TABLE outcome_projection (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq BIGINT NOT NULL
);
INSERT INTO outcome_projection (id, last_seq) VALUES (1, 0);
