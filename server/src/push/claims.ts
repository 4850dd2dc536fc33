import type { StoreEngine } from '../store/engine';

/** A claim not marked sent after this long: its relay died (or hangs) before sending; another takes it. */
export const PUSH_TAKEOVER_MS = 20_000;
/** Claims are kept this long (a repeat of the change within it is still recognised), then removed. */
const KEEP_MS = 2 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** What a relay that heard an alert's change is to do about its Web Push. */
export type PushClaim =
  | { kind: 'mine' }
  | { kind: 'sent' }
  /** Another relay claimed it and has not said it sent it yet: look again after `inMs`. */
  | { kind: 'elsewhere'; inMs: number };

/**
 * One Web Push per alert per cluster (docs/STORE.md "Several relays"). Every relay hears the committed
 * change an alert comes from; each tries to claim the alert's row (`INSERT … ON CONFLICT DO NOTHING`)
 * and only the one that inserted it sends, then marks it sent. A claimer that dies between claim and
 * send leaves the row unsent: after PUSH_TAKEOVER_MS another relay takes the claim over (a guarded
 * UPDATE, so one relay does) and sends it. At least once, then: a relay that died after sending but
 * before marking it makes the device buzz twice — better than a nurse never hearing of her patient.
 */
export class PushClaims {
  private prunedAt = 0;

  constructor(
    private readonly db: StoreEngine,
    private readonly relayId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(alertId: string): Promise<PushClaim> {
    const now = this.now();
    await this.prune(now);
    const inserted = await this.db.run(
      `INSERT INTO alert_pushes (alert_id, relay_id, claimed_at) VALUES (?, ?, ?)
       ON CONFLICT (alert_id) DO NOTHING`,
      [alertId, this.relayId, now],
    );
    if (inserted.changes > 0) return { kind: 'mine' };
    return this.takeOver(alertId);
  }

  /** A claim left unsent past PUSH_TAKEOVER_MS becomes this relay's; else when to look again. */
  async takeOver(alertId: string): Promise<PushClaim> {
    const now = this.now();
    const taken = await this.db.run(
      `UPDATE alert_pushes SET relay_id = ?, claimed_at = ?
       WHERE alert_id = ? AND sent_at IS NULL AND claimed_at <= ?`,
      [this.relayId, now, alertId, now - PUSH_TAKEOVER_MS],
    );
    if (taken.changes > 0) return { kind: 'mine' };
    const row = await this.db.get<{ claimed_at: number; sent_at: number | null }>(
      'SELECT claimed_at, sent_at FROM alert_pushes WHERE alert_id = ?',
      [alertId],
    );
    if (!row || row.sent_at !== null) return { kind: 'sent' };
    return { kind: 'elsewhere', inMs: Math.max(0, Number(row.claimed_at) + PUSH_TAKEOVER_MS - now) + 100 };
  }

  async sent(alertId: string): Promise<void> {
    await this.db.run('UPDATE alert_pushes SET sent_at = ? WHERE alert_id = ? AND relay_id = ?', [
      this.now(),
      alertId,
      this.relayId,
    ]);
  }

  private async prune(now: number): Promise<void> {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    await this.db.run('DELETE FROM alert_pushes WHERE claimed_at < ?', [now - KEEP_MS]);
  }
}
