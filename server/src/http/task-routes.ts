import { visibleTo } from '../../../src/domain';
import type { RequestGuard } from '../auth';
import type { AuditEntry, WorklistStore } from '../store/worklist-store';
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
    const task = store.getTask(params.id ?? '');
    if (!task || !visibleTo(task, principal)) {
      return sendError(res, 404, 'not-found', 'This task is not on your worklist.');
    }
    const entries = store.auditTrail(task.id).map((entry) => withHandover(store, entry));
    sendJson(res, 200, { taskId: task.id, entries });
  });
}

/**
 * A handover's words belong in its history (docs/HANDOFFS.md HO11): the note with the offer, the
 * synthesis and question with the acceptance, read from the change's own snapshot. They are shown
 * here, to people who may see the task, and nowhere else (never upstream, never in logs).
 */
function withHandover(store: WorklistStore, entry: AuditEntry): AuditEntry & { handover?: unknown } {
  if (entry.change === 'handover-offered') {
    return { ...entry, handover: { note: store.taskAtChange(entry.seq)?.handover?.note ?? null } };
  }
  if (entry.change === 'handover-accepted') {
    const accepted = store.taskAtChange(entry.seq)?.handoverAccepted;
    return {
      ...entry,
      handover: { synthesis: accepted?.synthesis ?? null, question: accepted?.question ?? null },
    };
  }
  return entry;
}
