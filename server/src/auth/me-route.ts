import { sendJson } from '../http/json';
import type { Router } from '../http/router';
import { sendAuthFailure, type Authenticator } from './authenticate';

/**
 * `GET /api/me`: who the token says the caller is, with the units the directory gives them now. The PWA
 * uses it to choose its views; it decides nothing on the relay, which checks every request itself.
 */
export function registerMeRoute(router: Router, { authenticator }: { authenticator: Authenticator }): void {
  router.get('/api/me', async (req, res) => {
    const result = await authenticator.authenticate(req);
    if (!result.ok) return sendAuthFailure(res, result);
    const { id, tenantId, name, roles, units } = result.principal;
    sendJson(res, 200, { id, tenantId, name, roles, units });
  });
}
