import { visibleTo } from '../../../src/domain';
import type { RequestGuard } from '../auth';
import type { AccessLog } from '../audit/access-log';
import { recordRelayAccess } from '../audit/routes';
import type { AuditEntry, WorklistStore } from '../store/contract';
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
    const task = await store.getTask(params.id ?? '');
    if (!task || !visibleTo(task, principal)) {
      return sendError(res, 'not-found', 'This task is not on your worklist.');
    }
    // Reading who did what to a patient's task is itself a look at it (docs/SECURITY.md A1).
    await recordRelayAccess(access, principal, req, [task.id], 'history', clock.now());
    const trail = await store.auditTrail(task.id);
    const entries = await Promise.all(trail.map((entry) => withHandover(store, entry)));
    sendJson(res, 200, { taskId: task.id, entries });
  });
}

/**
 * A handover's words belong in its history (docs/HANDOFFS.md HO11): the note with the offer, the
 * synthesis and question with the acceptance, read from the change's own snapshot. They are shown
 * here, to people who may see the task, and nowhere else (never upstream, never in logs).
 */
async function withHandover(
  store: WorklistStore,
  entry: AuditEntry,
): Promise<AuditEntry & { handover?: unknown }> {
  if (entry.change === 'handover-offered') {
    const offered = await store.taskAtChange(entry.seq);
    return { ...entry, handover: { note: offered?.handover?.note ?? null } };
  }
  if (entry.change === 'handover-accepted') {
    const accepted = (await store.taskAtChange(entry.seq))?.handoverAccepted;
    return {
      ...entry,
      handover: { synthesis: accepted?.synthesis ?? null, question: accepted?.question ?? null },
    };
  }
  return entry;
}
