import { z } from 'zod';
import { Role } from './principal';
import { Priority, TaskKind, isClosed, type Task } from './task';

const MINUTE_MS = 60_000;

export const EscalationLevel = z.object({
  /** Minutes after the previous level (after the clock's start for the first level). */
  afterMinutes: z
    .number()
    .min(0)
    .max(7 * 24 * 60),
  /** Who is told: a role on the task's unit ("charge nurse of 4W") or hospital-wide ("house supervisor"). */
  target: z.object({ role: Role, scope: z.enum(['unit', 'hospital']) }),
  /** Fire again at this interval while nothing stops the chain (only the last level may repeat). */
  repeatEveryMinutes: z
    .number()
    .min(1)
    .max(24 * 60)
    .optional(),
});
export type EscalationLevel = z.infer<typeof EscalationLevel>;

export const EscalationPolicy = z.object({
  id: z.string().min(1),
  kinds: z.array(TaskKind).min(1),
  priorities: z.array(Priority).min(1),
  /**
   * What starts the clock: `ack` — the acknowledge-by time (or the task's arrival, if it has none);
   * `due` — the due time; `created` — the task's arrival.
   */
  clock: z.enum(['ack', 'due', 'created']),
  /** What stops the chain, besides the task closing. */
  stopWhen: z.enum(['acknowledged', 'claimed', 'resolved']),
  levels: z.array(EscalationLevel).min(1).max(10),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

export const EscalationPolicies = z.object({
  version: z.number().int().min(1),
  policies: z.array(EscalationPolicy),
});
export type EscalationPolicies = z.infer<typeof EscalationPolicies>;

/** The first policy that names the task's kind and priority; none means the task never escalates. */
export function policyFor(
  task: Pick<Task, 'kind' | 'priority'>,
  policies: readonly EscalationPolicy[],
): EscalationPolicy | null {
  return policies.find((p) => p.kinds.includes(task.kind) && p.priorities.includes(task.priority)) ?? null;
}

export function isStopped(task: Task, policy: EscalationPolicy): boolean {
  if (isClosed(task)) return true;
  switch (policy.stopWhen) {
    case 'acknowledged':
      return task.acknowledgedAt !== null;
    case 'claimed':
      return task.owner !== null;
    case 'resolved':
      return false;
  }
}

/** When level `n` (1-based) is due, in ms since the epoch, or null when the policy has no such level. */
export function levelDueAt(task: Task, policy: EscalationPolicy, n: number): number | null {
  const first = policy.levels[0];
  if (!first || n < 1) return null;
  let start: number;
  if (policy.clock === 'due') {
    if (!task.dueAt) return null;
    start = Date.parse(task.dueAt);
  } else if (policy.clock === 'ack' && task.ackBy) {
    // An explicit acknowledge-by time is when level 1 fires.
    start = Date.parse(task.ackBy) - first.afterMinutes * MINUTE_MS;
  } else {
    start = Date.parse(task.createdAt);
  }
  let at = start;
  for (let i = 0; i < n; i++) {
    const level = policy.levels[i];
    if (level) {
      at += level.afterMinutes * MINUTE_MS;
      continue;
    }
    const last = policy.levels[policy.levels.length - 1];
    if (!last?.repeatEveryMinutes) return null;
    at += last.repeatEveryMinutes * MINUTE_MS;
  }
  return at;
}

export interface EscalationState {
  /** How many levels are due by `now` (0 = none yet). */
  level: number;
  /** When the next level is due, or null when nothing more will fire. */
  nextAt: string | null;
  stopped: boolean;
}

/**
 * Given a task, its policy and now: the level it should be at, and the next deadline. A relay that was
 * down while several levels came due jumps straight to the current level (one alert, not a burst).
 */
export function escalationState(task: Task, policy: EscalationPolicy, now: string): EscalationState {
  if (isStopped(task, policy)) return { level: task.escalation.level, nextAt: null, stopped: true };
  const nowMs = Date.parse(now);
  const defined = policy.levels.length;
  let level = 0;
  for (let n = 1; n <= defined; n++) {
    const due = levelDueAt(task, policy, n);
    if (due === null) return { level, nextAt: null, stopped: false };
    if (due > nowMs) return { level, nextAt: new Date(due).toISOString(), stopped: false };
    level = n;
  }
  // Past the defined levels only the last one repeats: count its repeats arithmetically, so a task that
  // is a week overdue costs the same as one that is a minute overdue.
  const repeatMs = (policy.levels[defined - 1]?.repeatEveryMinutes ?? 0) * MINUTE_MS;
  const lastDue = levelDueAt(task, policy, defined);
  if (repeatMs === 0 || lastDue === null) return { level, nextAt: null, stopped: false };
  const repeats = Math.floor((nowMs - lastDue) / repeatMs);
  return {
    level: defined + repeats,
    nextAt: new Date(lastDue + (repeats + 1) * repeatMs).toISOString(),
    stopped: false,
  };
}

/** The level whose target is told when `level` fires; repeats of the last level reuse its target. */
export function levelAt(policy: EscalationPolicy, level: number): EscalationLevel | null {
  if (level < 1) return null;
  return policy.levels[Math.min(level, policy.levels.length) - 1] ?? null;
}

/** The demo hospital's defaults; `ESCALATION_POLICY_FILE` replaces them. */
export const DEFAULT_POLICIES: EscalationPolicies = {
  version: 1,
  policies: [
    {
      id: 'critical-result',
      kinds: ['result-ack'],
      priorities: ['stat', 'asap'],
      clock: 'ack',
      stopWhen: 'acknowledged',
      levels: [
        { afterMinutes: 10, target: { role: 'ChargeNurse', scope: 'unit' } },
        { afterMinutes: 10, target: { role: 'Supervisor', scope: 'hospital' }, repeatEveryMinutes: 10 },
      ],
    },
    {
      id: 'discharge-overdue',
      kinds: ['discharge'],
      priorities: ['routine', 'urgent', 'asap', 'stat'],
      clock: 'due',
      stopWhen: 'resolved',
      levels: [{ afterMinutes: 0, target: { role: 'Coordinator', scope: 'unit' } }],
    },
    {
      id: 'exception-unclaimed',
      kinds: ['exception'],
      priorities: ['routine', 'urgent', 'asap', 'stat'],
      clock: 'created',
      stopWhen: 'claimed',
      levels: [{ afterMinutes: 30, target: { role: 'Coordinator', scope: 'unit' } }],
    },
  ],
};
