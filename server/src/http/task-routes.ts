import { visibleTo } from '../../../src/domain';
import type { RequestGuard } from '../auth';
import type { WorklistStore } from '../store/contract';
import { sendError, sendJson } from './json';
import type { Router } from './router';

/**
 * `GET /api/tasks/:id/history`: the audit trail of one task — who did what, when — for the task
 * screen. Only for someone who may see the task now; details that could carry free text typed about
 * a patient (hold and override reasons) are shown to them as they were recorded.
 */
export function registerTaskRoutes(
  router: Router,
  { store, guard }: { store: WorklistStore; guard: RequestGuard },
): void {
  router.get('/api/tasks/:id/history', async (req, res, params) => {
    const principal = await guard(req, res, 'worklist.connect');
    if (!principal) return;
    const task = await store.getTask(params.id ?? '');
    if (!task || !visibleTo(task, principal)) {
      return sendError(res, 404, 'not-found', 'This task is not on your worklist.');
    }
    sendJson(res, 200, { taskId: task.id, entries: await store.auditTrail(task.id) });
  });
}
