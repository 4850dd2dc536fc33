import {
  decide,
  EXCEPTION_OUTCOMES,
  type ActionType,
  type ExceptionOutcome,
  type Principal,
  type Task,
} from '../../domain';

/**
 * What the caller may do to a task, worked out with the relay's own `decide` on a dry run: a button
 * appears only for what the relay would apply and that would change something (no "Claim" on a task
 * that is already mine). The relay still decides for real; this only keeps refusals off the screen.
 */

/** A placeholder reason for the dry run of actions that need one; the real one is typed by the person. */
const DRY_RUN_REASON = 'dry run';

export type Verdict = { ok: true } | { ok: false; why: string };

export function dryRun(
  task: Task,
  type: ActionType,
  payload: unknown,
  me: Principal,
  now: string,
  assignee?: Principal,
): Verdict {
  const decision = decide(task, { type, payload }, me, now, assignee ? { assignee } : {});
  if (decision.status === 'rejected') return { ok: false, why: decision.message };
  if (decision.change === null) return { ok: false, why: 'Nothing to change.' };
  return { ok: true };
}

export function may(
  task: Task,
  type: ActionType,
  payload: unknown,
  me: Principal,
  now: string,
  assignee?: Principal,
): boolean {
  return dryRun(task, type, payload, me, now, assignee).ok;
}

/**
 * A stand-in receiver who may work anything on the task's unit (its charge nurse), to ask `decide`
 * whether *I* may reassign or hand over this task at all before the list of colleagues is loaded. Who
 * exactly may receive it is then the same dry run with each real colleague (`mayGiveTo`).
 */
function anyEligibleReceiver(task: Task, me: Principal): Principal {
  return {
    id: '\u0000any-receiver',
    tenantId: me.tenantId,
    name: '',
    roles: ['ChargeNurse'],
    units: [task.unit],
  };
}

/** Whether `decide` would let me give this task to `colleague` with `type` (reassign or handover offer). */
export function mayGiveTo(
  task: Task,
  type: 'reassign' | 'handover.offer',
  colleague: Principal,
  me: Principal,
  now: string,
): boolean {
  return may(task, type, { to: { id: colleague.id } }, me, now, colleague);
}

export interface TaskOffers {
  claim: boolean;
  start: boolean;
  /** `start` on a held task reads "Resume". */
  resume: boolean;
  acknowledge: boolean;
  release: boolean;
  hold: boolean;
  escalate: boolean;
  comment: boolean;
  /** Resolve as it stands (all required items done, or not a discharge). Never for exceptions. */
  resolve: boolean;
  /** Resolve a discharge with required items open, recording a reason. */
  resolveWithOverride: boolean;
  /** Why a plain resolve is not offered, when the caller could otherwise resolve (items still open). */
  resolveBlockedBy: string | null;
  /** The ways this exception may end (fixed, dismissed, sent back upstream). Empty for other tasks. */
  outcomes: ExceptionOutcome[];
  /** Give it to a named colleague (charge nurse, coordinator): the picker then lists who may take it. */
  reassign: boolean;
  /** Offer my task to a colleague with a handover note (docs/HANDOFFS.md). */
  handOver: boolean;
  /** Take back my offer before it is answered. */
  withdrawHandover: boolean;
  /** Answer an offer made to me: "I have it" or a decline with a reason. */
  acceptHandover: boolean;
  declineHandover: boolean;
  /** Checklist items this person may tick or untick now, by id. */
  checklist: Set<string>;
  /** Why the checklist is read-only, when it is and the task is open ("Claim this task before…"). */
  checklistBlockedBy: string | null;
}

/**
 * Acknowledging is a fact that stops an escalation chain: offered where that means something (results,
 * anything with an acknowledge-by time, anything escalated), not on every discharge the relay would let
 * a nurse "acknowledge".
 */
function acknowledgementMatters(task: Task): boolean {
  return task.kind === 'result-ack' || task.ackBy !== null || task.escalation.level > 0;
}

export function offersFor(task: Task, me: Principal, now: string): TaskOffers {
  const can = (type: ActionType, payload?: unknown, assignee?: Principal) =>
    may(task, type, payload, me, now, assignee);
  const probe = anyEligibleReceiver(task, me);
  const isException = task.kind === 'exception';
  const resolvePlain = dryRun(task, 'resolve', {}, me, now);
  const override = !isException && !resolvePlain.ok && can('resolve', { overrideReason: DRY_RUN_REASON });

  const checklist = new Set<string>();
  let checklistBlockedBy: string | null = null;
  for (const item of task.checklist) {
    const verdict = dryRun(task, 'checklist.set', { itemId: item.id, done: !item.done }, me, now);
    if (verdict.ok) checklist.add(item.id);
    else checklistBlockedBy ??= verdict.why;
  }

  return {
    claim: can('claim'),
    // An exception is worked by choosing its outcome; "in progress" adds nothing there.
    start: !isException && task.status !== 'on-hold' && can('start'),
    resume: task.status === 'on-hold' && can('start'),
    acknowledge: acknowledgementMatters(task) && can('acknowledge'),
    release: can('release'),
    hold: can('hold', { reason: DRY_RUN_REASON }),
    escalate: can('escalate', { reason: DRY_RUN_REASON }),
    comment: can('comment', { text: DRY_RUN_REASON }),
    resolve: !isException && resolvePlain.ok,
    resolveWithOverride: override,
    resolveBlockedBy: override && !resolvePlain.ok ? resolvePlain.why : null,
    outcomes: isException ? EXCEPTION_OUTCOMES.filter((outcome) => can('resolve', { outcome })) : [],
    reassign: can('reassign', { to: { id: probe.id } }, probe),
    handOver: can('handover.offer', { to: { id: probe.id } }, probe),
    withdrawHandover: can('handover.withdraw'),
    acceptHandover: can('handover.accept', {}),
    declineHandover: can('handover.decline', { reason: DRY_RUN_REASON }),
    checklist,
    checklistBlockedBy: checklist.size === task.checklist.length ? null : checklistBlockedBy,
  };
}
