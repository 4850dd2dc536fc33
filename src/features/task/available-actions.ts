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
  type ButtonId,
  type OfferContext,
} from './action-registry';

/**
 * What the caller may do to a task, worked out with the relay's own `decide` on a dry run: a button
 * appears only for what the relay would apply and that would change something (no "Claim" on a task
 * that is already mine). The relay still decides for real; this only keeps refusals off the screen.
 */

export type Verdict = { ok: true } | { ok: false; why: string };

export function dryRun(task: Task, type: ActionType, payload: unknown, me: Principal, now: string): Verdict {
  const decision = decide(task, { type, payload }, me, now);
  if (decision.status === 'rejected') return { ok: false, why: decision.message };
  if (decision.change === null) return { ok: false, why: 'Nothing to change.' };
  return { ok: true };
}

export function may(task: Task, type: ActionType, payload: unknown, me: Principal, now: string): boolean {
  return dryRun(task, type, payload, me, now).ok;
}

/** Which of the panel's buttons to show (`ACTION_BUTTONS`), and the parts of the panel that are not buttons. */
export type TaskOffers = Record<ButtonId, boolean> & {
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
  const can = (type: ActionType, payload?: unknown) => may(task, type, payload, me, now);
  const isException = task.kind === 'exception';
  const context: OfferContext = { task, can, plainResolve: dryRun(task, 'resolve', {}, me, now) };
  const buttons = Object.fromEntries(
    BUTTON_IDS.map((id) => [id, ACTION_BUTTONS[id].offered(context)]),
  ) as Record<ButtonId, boolean>;

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
    outcomes: isException ? EXCEPTION_OUTCOMES.filter((outcome) => can('resolve', { outcome })) : [],
    checklist,
    checklistBlockedBy: checklist.size === task.checklist.length ? null : checklistBlockedBy,
  };
}
