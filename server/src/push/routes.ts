import type { RequestGuard } from '../auth';
import { readJsonBody, sendError, sendJson } from '../http/json';
import type { Router } from '../http/router';
import { explainIssues } from '../../../src/domain';
import { PushSubscriptionInput, type PushSubscriptions } from './subscriptions';

/**
 * `GET /api/push/key` — the VAPID public key for `pushManager.subscribe`;
 * `POST /api/push/subscriptions` — this device wants escalation pushes for the signed-in person;
 * `DELETE /api/push/subscriptions` — this device no longer does (sign-out on a shared tablet).
 */
export function registerPushRoutes(
  router: Router,
  {
    subscriptions,
    publicKey,
    guard,
  }: { subscriptions: PushSubscriptions; publicKey: string; guard: RequestGuard },
): void {
  router.get('/api/push/key', (_req, res) => sendJson(res, 200, { publicKey }));
  router.post('/api/push/subscriptions', async (req, res) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    const body = await readJsonBody(req, 8 * 1024);
    if (!body.ok) return sendError(res, body.status, 'invalid', body.reason);
    const parsed = PushSubscriptionInput.safeParse(body.value);
    if (!parsed.success)
      return sendError(
        res,
        400,
        'invalid',
        `The subscription is not usable: ${explainIssues(parsed.error.issues, 'subscription')}`,
      );
    await subscriptions.save(principal.tenantId, principal.id, parsed.data);
    sendJson(res, 201, { subscribed: true });
  });
  router.delete('/api/push/subscriptions', async (req, res) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    const body = await readJsonBody(req, 8 * 1024);
    const endpoint = body.ok ? (body.value as { endpoint?: unknown } | null)?.endpoint : undefined;
    if (typeof endpoint !== 'string')
      return sendError(res, 400, 'invalid', 'Send { "endpoint": "…" } of the subscription to remove.');
    sendJson(res, 200, {
      removed: await subscriptions.removeFor(principal.tenantId, principal.id, endpoint),
    });
  });
}
