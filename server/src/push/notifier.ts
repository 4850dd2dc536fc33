import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { Principal } from '../../../src/domain';
import type { AlertDelivery } from '../escalation/alerts';
import type { Logger } from '../log';
import { PUSH_REQUEST_TIMEOUT_MS, type PushEndpointPolicy } from './endpoint-policy';
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
  /** Public addresses only (`publicPushAgent`); tests pass one that trusts their loopback push service. */
  agent: Agent;
  /** Rows stored before the allow-list (or before it was narrowed) are checked again before each send. */
  endpoints: PushEndpointPolicy;
}

/** The socket's idle timeout does not bound a service that drips bytes: the whole send has a deadline. */
const PUSH_SEND_DEADLINE_MS = PUSH_REQUEST_TIMEOUT_MS + 5_000;

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
  // A handover nobody accepted (HANDOFFS.md HO7): still no names, no note, only that and where.
  if (alert.kind === 'handover') {
    return {
      title: `A handover on ${alert.unit} is waiting`,
      body: 'Not accepted in time. Open Wardline to see it.',
      url: `/tasks/${encodeURIComponent(firstTask)}`,
      tag: alert.id,
    };
  }
  // A new stat/asap item for the nurse's own patient (ASSIGNMENTS.md AS14): still no patient data.
  if (alert.kind === 'patient') {
    return {
      title: `New ${alert.priority} item for your patient on ${alert.unit}`,
      body: 'Open Wardline to see it.',
      url: `/tasks/${encodeURIComponent(firstTask)}`,
      tag: alert.id,
    };
  }
  return {
    title: `Level ${alert.level} escalation on ${alert.unit}`,
    body: 'Open Wardline to see it and acknowledge.',
    url: `/tasks/${encodeURIComponent(firstTask)}`,
    tag: alert.id,
  };
}

/** Sends one Web Push per subscribed device of each targeted person. Returns how many were accepted. */
export async function pushAlert(options: PushNotifierOptions, delivery: AlertDelivery): Promise<number> {
  const { subscriptions, keys, contact, lookup, isTarget, logger, agent, endpoints } = options;
  const payload = JSON.stringify(pushPayload(delivery));
  let accepted = 0;
  const sends = (await subscriptions.all()).map(async (sub) => {
    const person = await lookup(sub.tenantId, sub.objectId);
    if (!person || !isTarget(person, delivery)) return;
    if (!endpoints.allowedHost(sub.endpoint)) {
      logger.warn(
        { alertId: delivery.alert.id, staffId: sub.objectId },
        'push endpoint not allowed; skipped',
      );
      return;
    }
    let deadline: NodeJS.Timeout | undefined;
    try {
      // web-push never follows a redirect (a 3xx is an error here), so the endpoint is the only place hit.
      const send = webpush.sendNotification({ endpoint: sub.endpoint, keys: sub.keys }, payload, {
        vapidDetails: { subject: contact, publicKey: keys.publicKey, privateKey: keys.privateKey },
        TTL: PUSH_TTL_SECONDS,
        urgency: 'high',
        topic: delivery.alert.id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32),
        timeout: PUSH_REQUEST_TIMEOUT_MS,
        agent,
      });
      const late = new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error('push send deadline passed')), PUSH_SEND_DEADLINE_MS);
      });
      await Promise.race([send, late]);
      accepted++;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) await subscriptions.expire(sub.endpoint);
      logger.warn(
        { alertId: delivery.alert.id, staffId: sub.objectId, status: status ?? null },
        'push not delivered',
      );
    } finally {
      clearTimeout(deadline);
    }
  });
  await Promise.all(sends);
  return accepted;
}
