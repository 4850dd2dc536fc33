import { z } from 'zod';
import type { StoreEngine } from '../store/engine';

/** A browser's PushSubscription as `subscription.toJSON()` gives it. */
export const PushSubscriptionInput = z.object({
  endpoint: z.url({ protocol: /^https$/, error: 'endpoint must be an https URL from the browser' }).max(2048),
  keys: z.object({ p256dh: z.string().min(40).max(200), auth: z.string().min(16).max(64) }),
});
export type PushSubscriptionInput = z.infer<typeof PushSubscriptionInput>;

export interface StoredSubscription extends PushSubscriptionInput {
  tenantId: string;
  objectId: string;
}

export class PushSubscriptions {
  constructor(private readonly db: StoreEngine) {}

  /**
   * A device's subscription belongs to whoever registered it, until they (or sign-out on that device)
   * remove it (docs/SECURITY.md P6). The same person registering it again refreshes its keys; anyone
   * else gets `taken`, and the row is untouched: knowing an endpoint must not move another person's
   * escalation pushes. A shared tablet still changes hands, because the browser gives the next person
   * a fresh endpoint once the last one is unsubscribed (src/data/push.ts does that on `taken`).
   */
  async save(
    tenantId: string,
    objectId: string,
    subscription: PushSubscriptionInput,
  ): Promise<'saved' | 'taken'> {
    const { changes } = await this.db.run(
      `INSERT INTO push_subscriptions (endpoint, tenant_id, object_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth
       WHERE push_subscriptions.tenant_id = excluded.tenant_id AND push_subscriptions.object_id = excluded.object_id`,
      [
        subscription.endpoint,
        tenantId,
        objectId,
        subscription.keys.p256dh,
        subscription.keys.auth,
        new Date().toISOString(),
      ],
    );
    return changes > 0 ? 'saved' : 'taken';
  }

  async removeFor(tenantId: string, objectId: string, endpoint: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'DELETE FROM push_subscriptions WHERE endpoint = ? AND tenant_id = ? AND object_id = ?',
      [endpoint, tenantId, objectId],
    );
    return changes > 0;
  }

  /** The push service said the subscription is gone (404/410): forget it. */
  async expire(endpoint: string): Promise<void> {
    await this.db.run('DELETE FROM push_subscriptions WHERE endpoint = ?', [endpoint]);
  }

  async all(): Promise<StoredSubscription[]> {
    const rows = await this.db.all<{
      endpoint: string;
      tenant_id: string;
      object_id: string;
      p256dh: string;
      auth: string;
    }>('SELECT endpoint, tenant_id, object_id, p256dh, auth FROM push_subscriptions');
    return rows.map((r) => ({
      endpoint: r.endpoint,
      tenantId: r.tenant_id,
      objectId: r.object_id,
      keys: { p256dh: r.p256dh, auth: r.auth },
    }));
  }
}
