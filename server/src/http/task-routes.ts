import { visibleTo } from '../../../src/domain';
import type { RequestGuard } from '../auth';
import type { AccessLog } from '../audit/access-log';
import { recordRelayAccess } from '../audit/routes';
import type { WorklistStore } from '../store/worklist-store';
import { sendJson } from './json';
import { sendError } from './errors';
import type { Router } from './router';

/**
 * `GET /api/tasks/:id/history`: the audit trail of one task — who did what, when — for the task
 * screen. Only for someone who may see the task now; details that could carry free text typed about
 * a patient (hold and override reasons) are shown to them as they were recorded.
 */
export function registerTaskRoutes(
  router: Router,
  {
    store,
    guard,
    access,
    clock,
  }: { store: WorklistStore; guard: RequestGuard; access: AccessLog; clock: { now(): Date } },
): void {
  router.get('/api/tasks/:id/history', async (req, res, params) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    const task = store.getTask(params.id ?? '');
    if (!task || !visibleTo(task, principal)) {
      return sendError(res, 'not-found', 'This task is not on your worklist.');
    }
    // Reading who did what to a patient's task is itself a look at it (docs/SECURITY.md A1).
    recordRelayAccess(access, principal, req, [task.id], 'history', clock.now());
    sendJson(res, 200, { taskId: task.id, entries: store.auditTrail(task.id) });
  });
}
