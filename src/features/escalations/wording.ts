import {
  hasRole,
  isClosed,
  isMemberOf,
  type Escalation,
  type EscalationTarget,
  type Principal,
  type Task,
} from '../../domain';
import { clockTime, dayAndTime } from '../shared/format';
import { ROLE_WORDS } from '../shared/words';

/**
 * An escalation in words (docs/ESCALATIONS.md E2–E5). Pure functions of the task and `now`, so the
 * banner, the cards, the table and the task's facts say the same thing, and tests pin the sentences.
 */

const SECOND_MS = 1_000;
const HOUR_MS = 3_600_000;

/** "Level 2", or "Level 2, repeated 3 times": the chain level and its repeats apart, never "Level 5" [E2]. */
export function levelWords(escalation: Pick<Escalation, 'level' | 'repeats'>): string {
  const { level, repeats } = escalation;
  if (repeats === 0) return `Level ${level}`;
  return `Level ${level}, repeated ${repeats === 1 ? 'once' : `${repeats} times`}`;
}

/** "the charge nurse of 4W", "the house supervisor". */
export function targetWords(target: EscalationTarget, unit: string): string {
  const role = ROLE_WORDS[target.role].toLowerCase();
  return target.scope === 'unit' ? `the ${role} of ${unit}` : `the ${role}`;
}

/** Whether a level sent to `target` on `unit` reaches `me`. */
export function isTargetOf(me: Principal, target: EscalationTarget, unit: string): boolean {
  return hasRole(me, target.role) && (target.scope === 'hospital' || isMemberOf(me, unit));
}

/** "4:32" (minutes and seconds), "1:04:32" past an hour; never negative. */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / SECOND_MS));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * Whether the chain is still running [E4]: the task is open and what its policy stops on has not
 * happened (acknowledged for results, claimed for exceptions, resolved for discharges). A task from a
 * relay that did not say (`stopWhen` null) stops on acknowledgement, as the first policies all did.
 */
export function stillEscalating(task: Task): boolean {
  if (isClosed(task)) return false;
  switch (task.escalation.stopWhen ?? 'acknowledged') {
    case 'acknowledged':
      return task.acknowledgedAt === null;
    case 'claimed':
      return task.owner === null;
    case 'resolved':
      return true;
  }
}

/** What the next firing is called: "Level 2", "Repeat of level 2", or "Next level" when unknown. */
function nextName(escalation: Escalation): string {
  const { next } = escalation;
  if (!next) return 'Next level';
  return next.repeat ? `Repeat of level ${next.level}` : `Level ${next.level}`;
}

/**
 * The countdown [E5]: "Level 2 in 4:32" within the hour, "Level 2 at 10:42" beyond it, "Level 2 due
 * now" once the deadline has passed (the relay fires within seconds; offline, the device cannot know).
 * Null when nothing more will fire.
 */
export function nextLevelWords(task: Task, now: number): string | null {
  const { nextAt } = task.escalation;
  if (!nextAt || !stillEscalating(task)) return null;
  const left = Date.parse(nextAt) - now;
  const name = nextName(task.escalation);
  if (left <= 0) return `${name} due now`;
  if (left < HOUR_MS) return `${name} in ${countdown(left)}`;
  return `${name} at ${dayAndTime(nextAt, now)}`;
}

const STOP_VERBS: Record<NonNullable<Escalation['stopWhen']>, string> = {
  acknowledged: 'acknowledges it',
  claimed: 'claims it',
  resolved: 'resolves it',
};

/**
 * "Why you" [E3]: which level reached whom. Null before the first level, or when the relay did not say
 * (a person escalated by hand, or a task stored before the relay said).
 */
export function whyWords(task: Task, me: Principal): { label: string; text: string } | null {
  const { level, target, policyId } = task.escalation;
  if (level === 0 || !target) return null;
  const policy = policyId ? `the ${policyId} policy` : 'its escalation policy';
  return {
    label: isTargetOf(me, target, task.unit) ? 'Why you' : 'Escalated to',
    text: `Level ${level} of ${policy} goes to ${targetWords(target, task.unit)}.`,
  };
}

/** Why the chain stopped, short enough for a list row: "acknowledged by H. Marchbank" [E4]. */
export function stoppedWords(task: Task): string {
  if (isClosed(task)) return 'task closed';
  if ((task.escalation.stopWhen ?? 'acknowledged') === 'claimed' && task.owner) {
    return `claimed by ${task.owner.name}`;
  }
  return task.acknowledgedBy ? `acknowledged by ${task.acknowledgedBy.name}` : 'acknowledged';
}

/** "What happens next" [E3]: who is told next and by when, or why nothing more will happen. */
export function whatNextWords(task: Task): string {
  const e = task.escalation;
  if (!stillEscalating(task)) {
    if (isClosed(task)) return 'Stopped: the task is closed.';
    if ((e.stopWhen ?? 'acknowledged') === 'claimed' && task.owner) {
      return `Stopped: claimed by ${task.owner.name} at ${clockTime(task.claimedAt)}.`;
    }
    return `Stopped: acknowledged by ${task.acknowledgedBy?.name ?? 'someone'} at ${clockTime(task.acknowledgedAt)}.`;
  }
  if (!e.nextAt) return 'No further level: this is the end of the chain.';
  const unless = `If nobody ${STOP_VERBS[e.stopWhen ?? 'acknowledged']} by ${clockTime(e.nextAt)}`;
  if (!e.next) return `${unless}, it escalates again.`;
  const who = targetWords(e.next, task.unit);
  return e.next.repeat
    ? `${unless}, ${who} is told again.`
    : `${unless}, level ${e.next.level} goes to ${who}.`;
}
