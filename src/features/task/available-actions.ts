import {
  decide,
  EXCEPTION_OUTCOMES,
  type ActionType,
  type ExceptionOutcome,
  type Principal,
  type Task,
} from '../../domain';
import {
  ACTION_BUTTONS,
  BUTTON_IDS,
  DRY_RUN_REASON,
  HAND_ON_BUTTONS,
  HAND_ON_IDS,
  type ButtonId,
  type HandOnId,
  type OfferContext,
} from './action-registry';

/**
 * What the caller may do to a task, worked out with the relay's own `decide` on a dry run: a button
 * appears only for what the relay would apply and that would change something (no "Claim" on a task
 * that is already mine). The relay still decides for real; this only keeps refusals off the screen.
 */

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
 * The id cannot be a real staff id (it starts with a NUL).
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

/** Which of the panel's buttons to show (`ACTION_BUTTONS`), and the parts of the panel that are not buttons. */
export type TaskOffers = Record<ButtonId, boolean> &
  Record<HandOnId, boolean> & {
    comment: boolean;
    /** Why a plain resolve is not offered, when the caller could otherwise resolve (items still open). */
    resolveBlockedBy: string | null;
    /** The ways this exception may end (fixed, dismissed, sent back upstream). Empty for other tasks. */
    outcomes: ExceptionOutcome[];
    /** Checklist items this person may tick or untick now, by id. */
    checklist: Set<string>;
    /** Why the checklist is read-only, when it is and the task is open ("Claim this task before…"). */
    checklistBlockedBy: string | null;
  };

export function offersFor(task: Task, me: Principal, now: string): TaskOffers {
  const can = (type: ActionType, payload?: unknown, assignee?: Principal) =>
    may(task, type, payload, me, now, assignee);
  const isException = task.kind === 'exception';
  const context: OfferContext = {
    task,
    can,
    plainResolve: dryRun(task, 'resolve', {}, me, now),
    anyReceiver: anyEligibleReceiver(task, me),
  };
  const buttons = Object.fromEntries(
    BUTTON_IDS.map((id) => [id, ACTION_BUTTONS[id].offered(context)]),
  ) as Record<ButtonId, boolean>;
  const handOn = Object.fromEntries(
    HAND_ON_IDS.map((id) => [id, HAND_ON_BUTTONS[id].offered(context)]),
  ) as Record<HandOnId, boolean>;

  const checklist = new Set<string>();
  let checklistBlockedBy: string | null = null;
  for (const item of task.checklist) {
    const verdict = dryRun(task, 'checklist.set', { itemId: item.id, done: !item.done }, me, now);
    if (verdict.ok) checklist.add(item.id);
    else checklistBlockedBy ??= verdict.why;
  }

  return {
    ...buttons,
    comment: can('comment', { text: DRY_RUN_REASON }),
    resolveBlockedBy:
      buttons.resolveWithOverride && !context.plainResolve.ok ? context.plainResolve.why : null,
    // Dismissing or sending back asks for a reason (resolve.ts): the dry run supplies a stand-in.
    outcomes: isException
      ? EXCEPTION_OUTCOMES.filter((outcome) =>
          can('resolve', outcome === 'fixed' ? { outcome } : { outcome, note: DRY_RUN_REASON }),
        )
      : [],
    ...handOn,
    checklist,
    checklistBlockedBy: checklist.size === task.checklist.length ? null : checklistBlockedBy,
  };
}
