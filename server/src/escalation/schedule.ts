import { escalationState, policyFor, type EscalationPolicy, type Task } from '../../../src/domain';

/**
 * Keeps a task's next escalation deadline in step with its policy after every change, so the store's
 * `next_escalation_at` column is the single source the scheduler wakes for. The level itself only moves
 * when a level actually fires (the scheduler) or a person escalates.
 */
export function withNextEscalation(task: Task, policies: readonly EscalationPolicy[], now: string): Task {
  const policy = policyFor(task, policies);
  if (!policy)
    return task.escalation.nextAt === null
      ? task
      : { ...task, escalation: { ...task.escalation, nextAt: null } };
  const state = escalationState({ ...task, escalation: task.escalation }, policy, now);
  // A level already due but not yet fired stays due "now": the scheduler fires it on its next wake.
  const nextAt = state.stopped ? null : state.level > task.escalation.level ? now : state.nextAt;
  return nextAt === task.escalation.nextAt ? task : { ...task, escalation: { ...task.escalation, nextAt } };
}
