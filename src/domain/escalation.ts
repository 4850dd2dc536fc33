import { z } from 'zod';
import {
  EscalationTarget,
  Priority,
  TaskKind,
  isClosed,
  type Escalation,
  type EscalationStep,
  type Task,
} from './task';

const MINUTE_MS = 60_000;

export const EscalationLevel = z.object({
  /** Minutes after the previous level (after the clock's start for the first level). */
  afterMinutes: z
    .number()
    .min(0)
    .max(7 * 24 * 60),
  /** Who is told: a role on the task's unit ("charge nurse of 4W") or hospital-wide ("house supervisor"). */
  target: EscalationTarget,
  /**
   * Fires when the task arrives, before the policy's clock starts (only leading levels may): "the
   * assigned nurse when the result arrives" (docs/ASSIGNMENTS.md AS13). `afterMinutes` is then ignored,
   * and the next level's `afterMinutes` counts from the clock's start as if this level were not there.
   */
  onArrival: z.boolean().optional(),
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
  levels: z
    .array(EscalationLevel)
    .min(1)
    .max(10)
    .refine(
      (levels) => levels.every((l, i) => !l.onArrival || levels.slice(0, i).every((p) => p.onArrival)),
      'only leading levels may fire on arrival',
    )
    .refine((levels) => levels.some((l) => !l.onArrival), 'a chain needs a level after its arrival levels'),
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
  if (n < 1) return null;
  // Levels that fire on arrival come first; the clock's levels are numbered after them.
  const arrival = arrivalLevels(policy);
  if (n <= arrival) return Date.parse(task.createdAt);
  const levels = policy.levels.slice(arrival);
  n -= arrival;
  const first = levels[0];
  if (!first) return null;
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
    const level = levels[i];
    if (level) {
      at += level.afterMinutes * MINUTE_MS;
      continue;
    }
    const last = levels[levels.length - 1];
    if (!last?.repeatEveryMinutes) return null;
    at += last.repeatEveryMinutes * MINUTE_MS;
  }
  return at;
}

/** How many leading levels fire when the task arrives. */
export function arrivalLevels(policy: EscalationPolicy): number {
  const index = policy.levels.findIndex((l) => !l.onArrival);
  return index === -1 ? policy.levels.length : index;
}

export interface EscalationState {
  /** The chain level due by `now` (0 = none yet), at most the chain's length [E2]. */
  level: number;
  /** How many times the last level has come due again after it first did [E2]. */
  repeats: number;
  /** When the next firing is due, or null when nothing more will fire. */
  nextAt: string | null;
  stopped: boolean;
}

/**
 * Given a task, its policy and now: the level it should be at, and the next deadline. A relay that was
 * down while several levels came due jumps straight to the current level (one alert, not a burst).
 */
export function escalationState(task: Task, policy: EscalationPolicy, now: string): EscalationState {
  if (isStopped(task, policy))
    return { level: task.escalation.level, repeats: task.escalation.repeats, nextAt: null, stopped: true };
  const nowMs = Date.parse(now);
  const defined = policy.levels.length;
  let level = 0;
  for (let n = 1; n <= defined; n++) {
    const due = levelDueAt(task, policy, n);
    if (due === null) return { level, repeats: 0, nextAt: null, stopped: false };
    if (due > nowMs) return { level, repeats: 0, nextAt: new Date(due).toISOString(), stopped: false };
    level = n;
  }
  // Past the defined levels only the last one repeats: count its repeats arithmetically, so a task that
  // is a week overdue costs the same as one that is a minute overdue.
  const repeatMs = (policy.levels[defined - 1]?.repeatEveryMinutes ?? 0) * MINUTE_MS;
  const lastDue = levelDueAt(task, policy, defined);
  if (repeatMs === 0 || lastDue === null) return { level, repeats: 0, nextAt: null, stopped: false };
  const repeats = Math.floor((nowMs - lastDue) / repeatMs);
  return {
    level,
    repeats,
    nextAt: new Date(lastDue + (repeats + 1) * repeatMs).toISOString(),
    stopped: false,
  };
}

/**
 * What fires next after `reached` if nothing stops the chain: the next level and its target, a repeat of
 * the last level, or null at the end of a chain that does not repeat [E3]. A person who escalated past
 * the chain's end has reached its last level: only its repeats remain.
 */
export function nextStep(policy: EscalationPolicy, reached: { level: number }): EscalationStep | null {
  const following = policy.levels[reached.level];
  if (following) return { level: reached.level + 1, repeat: false, ...following.target };
  const last = policy.levels[policy.levels.length - 1];
  if (!last?.repeatEveryMinutes) return null;
  return { level: policy.levels.length, repeat: true, ...last.target };
}

/** The level whose target is told when `level` fires; a level past the chain's end reuses the last one's. */
export function levelAt(policy: EscalationPolicy, level: number): EscalationLevel | null {
  if (level < 1) return null;
  return policy.levels[Math.min(level, policy.levels.length) - 1] ?? null;
}

/**
 * The "why you, and what happens next" a task carries under its policy [E3]: which policy, what stops
 * it, who the level reached was for, and who the next firing tells (null once the chain is stopped or
 * ended). The PWA shows these; it does not know the relay's policies.
 */
export function chainOutlook(
  reached: Pick<Escalation, 'level'>,
  policy: EscalationPolicy,
  stopped: boolean,
): Pick<Escalation, 'policyId' | 'stopWhen' | 'target' | 'next'> {
  return {
    policyId: policy.id,
    stopWhen: policy.stopWhen,
    target: levelAt(policy, reached.level)?.target ?? null,
    next: stopped ? null : nextStep(policy, reached),
  };
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
      // The bed's assigned nurse when the result arrives, the charge nurse at its acknowledge-by time,
      // then the supervisor (docs/ASSIGNMENTS.md AS13). Without a reachable assigned nurse the first
      // level is skipped and the charge nurse is told at once.
      levels: [
        { afterMinutes: 0, onArrival: true, target: { role: 'AssignedNurse', scope: 'unit' } },
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
