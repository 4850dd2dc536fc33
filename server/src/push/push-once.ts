import type { AlertDelivery } from '../escalation/alerts';
import { errorSummary, type Logger } from '../log';
import type { PushClaim, PushClaims } from './claims';

export interface PushOnce {
  /** Every relay that heard the alert's change calls this; one of them sends the push. */
  deliver(delivery: AlertDelivery): void;
  /** Forgets the takeovers this relay was waiting for (shutdown). */
  stop(): void;
}

/**
 * An alert's Web Push, once per cluster (docs/STORE.md "Several relays"): the relay that claims it sends
 * it and marks it sent; the others wait to take it over should the claimer die first (`PushClaims`).
 */
export function createPushOnce({
  claims,
  send,
  logger,
}: {
  claims: PushClaims;
  /** Sends the alert to its recipients' devices; the number of devices reached. */
  send: (delivery: AlertDelivery) => Promise<number>;
  logger: Logger;
}): PushOnce {
  const waiting = new Set<NodeJS.Timeout>();
  let stopped = false;

  async function settle(delivery: AlertDelivery, claim: PushClaim): Promise<void> {
    const alertId = delivery.alert.id;
    if (stopped) return;
    if (claim.kind === 'sent') return logger.info({ alertId }, 'alert push already sent by another relay');
    if (claim.kind === 'elsewhere') {
      logger.info({ alertId }, 'alert push left to another relay');
      const timer = setTimeout(() => {
        waiting.delete(timer);
        if (!stopped) void run(delivery, () => claims.takeOver(alertId));
      }, claim.inMs);
      timer.unref();
      waiting.add(timer);
      return;
    }
    logger.info({ alertId }, 'alert push claimed');
    const pushed = await send(delivery);
    if (pushed > 0) logger.info({ alertId, pushed }, 'alert pushed');
    await claims.sent(alertId);
  }

  function run(delivery: AlertDelivery, claim: () => Promise<PushClaim>): Promise<void> {
    return claim()
      .then((c) => settle(delivery, c))
      .catch((error: unknown) =>
        // The database is away: the hub alert went out regardless; an unsent claim is taken over later.
        logger.warn({ alertId: delivery.alert.id, err: errorSummary(error) }, 'alert push failed'),
      );
  }

  return {
    deliver(delivery) {
      if (!stopped) void run(delivery, () => claims.claim(delivery.alert.id));
    },
    stop() {
      stopped = true;
      for (const timer of waiting) clearTimeout(timer);
      waiting.clear();
    },
  };
}
