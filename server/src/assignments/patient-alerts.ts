import { arrivalLevels, policyFor, type EscalationPolicy, type Priority } from '../../../src/domain';
import type { AlertDelivery } from '../escalation/alerts';
import type { Clock } from '../escalation/clock';
import type { WorklistStore } from '../store/contract';

const NOTICED: readonly Priority[] = ['stat', 'asap'];

/**
 * AS14: a new stat or asap task that arrives as a bed's nurse's is noticed at once: she gets one alert
 * for it. When its escalation chain tells the assigned nurse on arrival, that firing is the alert;
 * otherwise this sends one of kind `patient`, to her alone.
 */
export function alertNewPatientWork(
  store: WorklistStore,
  policies: readonly EscalationPolicy[],
  clock: Clock,
  deliver: (delivery: AlertDelivery) => void,
): () => void {
  return store.onCommitted(({ task, previous, change }) => {
    // The arrival's own routing change (AS10): made in the transaction that created the task.
    if (change !== 'assigned-nurse' || !previous || previous.owner !== null || !task.owner) return;
    if (task.createdAt !== task.updatedAt || !NOTICED.includes(task.priority)) return;
    const policy = policyFor(task, policies);
    const chainTellsHer =
      policy !== null &&
      arrivalLevels(policy) > 0 &&
      policy.levels.slice(0, arrivalLevels(policy)).some((l) => l.target.role === 'AssignedNurse');
    if (chainTellsHer) return;
    deliver({
      tasks: [task],
      recipients: [task.owner.id],
      alert: {
        id: `${task.id}:patient`,
        taskIds: [task.id],
        unit: task.unit,
        level: 1,
        repeats: 0,
        targetRole: 'AssignedNurse',
        scope: 'unit',
        priority: task.priority,
        title: task.title,
        bed: task.patient?.bed ?? null,
        at: clock.now().toISOString(),
        nextAt: null,
        kind: 'patient',
      },
    });
  });
}
