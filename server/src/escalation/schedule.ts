import {
  chainOutlook,
  escalationState,
  firingsOf,
  policyFor,
  type Escalation,
  type EscalationPolicy,
  type Task,
} from '../../../src/domain';

/**
 * Keeps a task's next escalation deadline, and what the screens say about its chain ("why you, what
 * happens next"), in step with its policy after every change, so the store's `next_escalation_at`
 * column is the single source the scheduler wakes for. The level itself only moves when a level
 * actually fires (the scheduler) or a person escalates.
 */
export function withNextEscalation(original: Task, policies: readonly EscalationPolicy[], now: string): Task {
  let task = original;
  const policy = policyFor(task, policies);
  let escalation: Escalation;
  if (!policy) {
    escalation = { ...task.escalation, nextAt: null, next: null, policyId: null, stopWhen: null };
  } else {
    // [E2] A person's escalation past the chain's end counts as a repeat of its last level, as do the
    // levels stored before repeats were counted apart: the firing count stays, the level is the chain's.
    const last = policy.levels.length;
    if (task.escalation.level > last) {
      const excess = task.escalation.level - last;
      task = {
        ...task,
        escalation: { ...task.escalation, level: last, repeats: task.escalation.repeats + excess },
      };
    }
    const state = escalationState(task, policy, now);
    // A level already due but not yet fired stays due "now": the scheduler fires it on its next wake.
    const nextAt = state.stopped ? null : firingsOf(state) > firingsOf(task.escalation) ? now : state.nextAt;
    const outlook = chainOutlook(task.escalation, policy, state.stopped || nextAt === null);
    escalation = {
      ...task.escalation,
      ...outlook,
      // A person's escalation past the policy's chain keeps the target it had.
      target: outlook.target ?? task.escalation.target,
      nextAt,
    };
  }
  return sameEscalation(escalation, original.escalation) ? original : { ...task, escalation };
}

function sameEscalation(a: Escalation, b: Escalation): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
