-- Web Push subscriptions: one row per device a person allowed to be notified on. The endpoint is the
-- push service's URL for that device (the key); p256dh and auth encrypt the payload for it.
CREATE TABLE push_subscriptions (
  endpoint TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  object_id TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_by_staff ON push_subscriptions (tenant_id, object_id);
