import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { Principal } from '../../../src/domain';
import type { AlertDelivery } from '../escalation/alerts';
import type { Logger } from '../log';
import type { PushSubscriptions } from './subscriptions';
import type { VapidKeys } from './vapid';

/** An alert is worth nothing an hour late: the push service may drop it after this. */
const PUSH_TTL_SECONDS = 15 * 60;

export interface PushNotifierOptions {
  subscriptions: PushSubscriptions;
  keys: VapidKeys;
  /** `mailto:` or `https:` contact for the push services (VAPID `sub`). */
  contact: string;
  /** Looks a subscriber up in the staff directory (units, roles from their last sign-in). */
  lookup: (tenantId: string, objectId: string) => Promise<Principal | null>;
  isTarget: (principal: Principal, delivery: AlertDelivery) => boolean;
  logger: Logger;
  /** Tests pass an agent that trusts their loopback push service's certificate. */
  agent?: Agent;
}

/**
 * What a push carries: no patient data at all — not a name, bed, MRN or result. The lock screen of a
 * phone is not a private place. The notification only says that there is an escalation and where.
 */
export function pushPayload(delivery: AlertDelivery): {
  title: string;
  body: string;
  url: string;
  tag: string;
} {
  const { alert } = delivery;
  const firstTask = alert.taskIds[0] ?? '';
  return {
    title: `Level ${alert.level} escalation on ${alert.unit}`,
    body: 'Open Wardline to see it and acknowledge.',
    url: `/tasks/${encodeURIComponent(firstTask)}`,
    tag: alert.id,
  };
}

/** Sends one Web Push per subscribed device of each targeted person. Returns how many were accepted. */
export async function pushAlert(options: PushNotifierOptions, delivery: AlertDelivery): Promise<number> {
  const { subscriptions, keys, contact, lookup, isTarget, logger, agent } = options;
  const payload = JSON.stringify(pushPayload(delivery));
  let accepted = 0;
  const sends = (await subscriptions.all()).map(async (sub) => {
    const person = await lookup(sub.tenantId, sub.objectId);
    if (!person || !isTarget(person, delivery)) return;
    try {
      await webpush.sendNotification({ endpoint: sub.endpoint, keys: sub.keys }, payload, {
        vapidDetails: { subject: contact, publicKey: keys.publicKey, privateKey: keys.privateKey },
        TTL: PUSH_TTL_SECONDS,
        urgency: 'high',
        topic: delivery.alert.id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32),
        ...(agent ? { agent } : {}),
      });
      accepted++;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) await subscriptions.expire(sub.endpoint);
      logger.warn(
        { alertId: delivery.alert.id, staffId: sub.objectId, status: status ?? null },
        'push not delivered',
      );
    }
  });
  await Promise.all(sends);
  return accepted;
}
