-- Handoff metrics (docs/METRICS.md M15-M17, docs/HANDOFFS.md): derived data folded from `changes` by
-- server/src/metrics/projection.ts with the rest of the outcome projection (same cursor), so deleting
-- every row here and resetting the cursor rebuilds it. Portable SQL: times are BIGINT epoch ms.
-- Backfill: the end of this file resets the projection, so the next catch-up folds the whole log.

-- One row per manual handoff: a reassignment, an accepted handover, a release after a claim.
CREATE TABLE outcome_handoffs (
  seq BIGINT PRIMARY KEY,
  task_id TEXT NOT NULL,
  -- `reassigned`, `handover-accepted`, `released`, `released-on-behalf`: the change's name.
  how TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX outcome_handoffs_by_at ON outcome_handoffs (at_ms, task_id, how);

-- One row per handover offer, from the offer to whatever ended it.
CREATE TABLE outcome_handover_offers (
  seq BIGINT PRIMARY KEY,
  task_id TEXT NOT NULL,
  offered_ms BIGINT NOT NULL,
  -- When and how the offer stopped waiting (accepted, declined, withdrawn, or the work changed hands
  -- or closed); NULL while it waits.
  ended_ms BIGINT,
  ended_by TEXT,
  -- When the unit's charge nurse was told it waited too long (`handover-overdue`), or NULL.
  alerted_ms BIGINT
);
CREATE INDEX outcome_handover_offers_open ON outcome_handover_offers (task_id, ended_ms);
CREATE INDEX outcome_handover_offers_by_ended ON outcome_handover_offers (ended_ms, task_id);
CREATE INDEX outcome_handover_offers_by_alerted ON outcome_handover_offers (alerted_ms, task_id);

-- Acknowledging unowned work now claims it (HANDOFFS.md HO9, METRICS.md M1), and the handoff tables
-- start empty: fold the whole log again, in the background, on the next catch-up (M13's rebuild).
DELETE FROM outcome_tasks;
DELETE FROM outcome_escalations;
UPDATE outcome_projection SET last_seq = 0 WHERE id = 1;
