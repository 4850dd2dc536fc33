import type { RequestGuard } from '../auth';
import { readJsonBody, sendJson } from '../http/json';
import { sendError } from '../http/errors';
import type { Router } from '../http/router';
import { explainIssues } from '../../../src/domain';
import type { PushEndpointPolicy } from './endpoint-policy';
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
    endpoints,
  }: {
    subscriptions: PushSubscriptions;
    publicKey: string;
    guard: RequestGuard;
    endpoints: PushEndpointPolicy;
  },
): void {
  router.get('/api/push/key', (_req, res) => sendJson(res, 200, { publicKey }));
  router.post('/api/push/subscriptions', async (req, res) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    const body = await readJsonBody(req, 8 * 1024);
    if (!body.ok) return sendError(res, body.code, body.reason);
    const parsed = PushSubscriptionInput.safeParse(body.value);
    if (!parsed.success)
      return sendError(
        res,
        'invalid',
        `The subscription is not usable: ${explainIssues(parsed.error.issues, 'subscription')}`,
      );
    const verdict = await endpoints.check(parsed.data.endpoint);
    if (!verdict.ok) return sendError(res, 'invalid', `The subscription is not usable: ${verdict.reason}`);
    if ((await subscriptions.save(principal.tenantId, principal.id, parsed.data)) === 'taken')
      return sendError(
        res,
        'push-endpoint-taken',
        'This push subscription is registered to someone else; the device must make a fresh one.',
      );
    sendJson(res, 201, { subscribed: true });
  });
  router.delete('/api/push/subscriptions', async (req, res) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    const body = await readJsonBody(req, 8 * 1024);
    const endpoint = body.ok ? (body.value as { endpoint?: unknown } | null)?.endpoint : undefined;
    if (typeof endpoint !== 'string')
      return sendError(res, 'invalid', 'Send { "endpoint": "…" } of the subscription to remove.');
    sendJson(res, 200, {
      removed: await subscriptions.removeFor(principal.tenantId, principal.id, endpoint),
    });
  });
}
