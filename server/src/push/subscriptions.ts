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

  /** A device belongs to whoever subscribed it last (a shared tablet changes hands at shift change). */
  async save(tenantId: string, objectId: string, subscription: PushSubscriptionInput): Promise<void> {
    await this.db.run(
      `INSERT INTO push_subscriptions (endpoint, tenant_id, object_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET tenant_id = excluded.tenant_id, object_id = excluded.object_id,
         p256dh = excluded.p256dh, auth = excluded.auth`,
      [
        subscription.endpoint,
        tenantId,
        objectId,
        subscription.keys.p256dh,
        subscription.keys.auth,
        new Date().toISOString(),
      ],
    );
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
