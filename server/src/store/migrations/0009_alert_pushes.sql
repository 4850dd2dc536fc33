-- Web Push of an alert that every relay hears from one committed change (a patient alert, AS14): the
-- relay that claims its row sends it, so a device buzzes once however many relays share the database
-- (docs/STORE.md "Several relays"). `sent_at` NULL with an old `claimed_at` means the claimer died
-- before sending: another relay takes the claim over and sends it (at least once). Times are epoch ms
-- on the claiming relay's clock. Rows older than two days are removed.
CREATE TABLE alert_pushes (
  alert_id TEXT PRIMARY KEY,
  relay_id TEXT NOT NULL,
  claimed_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX alert_pushes_by_claimed_at ON alert_pushes (claimed_at);
