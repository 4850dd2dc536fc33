import {
  acknowledgementMatters,
  type ActionType,
  type Principal,
  type Task,
  type TaskKind,
} from '../../domain';
import type { Verdict } from './available-actions';

/**
 * Every staff action's screen facts in one place: the button's words, where it sits, when it is
 * offered, whether it asks for a reason first, its list shortcut, and how a refusal names it. The
 * domain's `ACTIONS` (src/domain/actions) say what an action does; this says how the PWA offers it.
 * Keyed by the domain's `ActionType` where the screen names every action, so a new action fails the
 * type check here until it has words.
 */

/** A placeholder reason for the dry run of actions that need one; the real one is typed by the person. */
export const DRY_RUN_REASON = 'dry run';

/** What `offered` may ask: dry runs of the relay's own `decide` for this person, task and moment. */
export interface OfferContext {
  task: Task;
  can(type: ActionType, payload?: unknown, assignee?: Principal): boolean;
  /**
   * A stand-in receiver who may work anything on the task's unit, to ask whether *I* may reassign or
   * hand over at all before the colleagues are loaded (the picker then asks for each real one).
   */
  anyReceiver: Principal;
  /** The dry run of a plain resolve, which decides both "Resolve" and "Resolve with override". */
  plainResolve: Verdict;
}

export interface ActionButton {
  type: ActionType;
  label: string;
  /** The big buttons near the top of the task, or behind the "More actions" disclosure. */
  group: 'primary' | 'more';
  className: string;
  /** What one tap sends; absent for an action with no payload. */
  payload?: unknown;
  /** The question asked before sending, and the payload made of the answer. */
  asks?: { label: string; submit: string; payload(reason: string): unknown };
  /** Only what the relay would apply and that would change something ("Claim" is not offered on my task). */
  offered(ctx: OfferContext): boolean;
}

/** The task panel's buttons, in the order they are shown within their group. */
export const ACTION_BUTTONS = {
  claim: {
    type: 'claim',
    label: 'Claim',
    group: 'primary',
    className: 'btn btn-primary',
    offered: ({ can }) => can('claim'),
  },
  acknowledge: {
    type: 'acknowledge',
    label: 'Acknowledge',
    group: 'primary',
    className: 'btn btn-primary',
    // Acknowledging stops an escalation chain: offered where that means something (the domain's
    // `acknowledgementMatters`), not on every discharge the relay would let a nurse "acknowledge".
    offered: ({ task, can }) => acknowledgementMatters(task) && can('acknowledge'),
  },
  start: {
    type: 'start',
    label: 'Start',
    group: 'primary',
    className: 'btn',
    // An exception is worked by choosing its outcome; "in progress" adds nothing there.
    offered: ({ task, can }) => task.kind !== 'exception' && task.status !== 'on-hold' && can('start'),
  },
  resume: {
    type: 'start',
    label: 'Resume',
    group: 'primary',
    className: 'btn',
    offered: ({ task, can }) => task.status === 'on-hold' && can('start'),
  },
  resolve: {
    type: 'resolve',
    label: 'Resolve',
    group: 'primary',
    className: 'btn btn-primary',
    payload: {},
    // An exception ends with an outcome (`ExceptionOutcomes`), never a plain resolve.
    offered: ({ task, plainResolve }) => task.kind !== 'exception' && plainResolve.ok,
  },
  resolveWithOverride: {
    type: 'resolve',
    label: 'Resolve with override…',
    group: 'more',
    className: 'btn',
    asks: {
      label: 'Why resolve with required items open?',
      submit: 'Resolve with override',
      payload: (reason) => ({ overrideReason: reason }),
    },
    offered: ({ task, can, plainResolve }) =>
      task.kind !== 'exception' && !plainResolve.ok && can('resolve', { overrideReason: DRY_RUN_REASON }),
  },
  hold: {
    type: 'hold',
    label: 'Put on hold…',
    group: 'more',
    className: 'btn',
    asks: { label: 'What is it waiting for?', submit: 'Put on hold', payload: (reason) => ({ reason }) },
    offered: ({ can }) => can('hold', { reason: DRY_RUN_REASON }),
  },
  escalate: {
    type: 'escalate',
    label: 'Escalate…',
    group: 'more',
    className: 'btn',
    asks: { label: 'Why does it need escalating?', submit: 'Escalate', payload: (reason) => ({ reason }) },
    offered: ({ can }) => can('escalate', { reason: DRY_RUN_REASON }),
  },
  release: {
    type: 'release',
    label: 'Release to unit queue',
    group: 'more',
    className: 'btn btn-quiet',
    offered: ({ can }) => can('release'),
  },
} as const satisfies Record<string, ActionButton>;

export type ButtonId = keyof typeof ACTION_BUTTONS;
export const BUTTON_IDS = Object.keys(ACTION_BUTTONS) as ButtonId[];

/**
 * What each kind of task needs first: the first of these the person is offered is the one big button;
 * the other "primary" actions go under "More actions" with the rare ones. A critical result is
 * acknowledged (which also claims it, HO9) before anything else; other work is claimed, then resolved.
 */
const FIRST_NEEDED: Record<TaskKind, readonly ButtonId[]> = {
  'result-ack': ['acknowledge', 'resolve', 'claim', 'resume', 'start'],
  discharge: ['claim', 'resolve', 'resume', 'start', 'acknowledge'],
  'follow-up': ['claim', 'resolve', 'resume', 'start', 'acknowledge'],
  exception: ['claim', 'acknowledge', 'resume', 'start', 'resolve'],
};

/** The one action this task needs first (or none), and the other offered buttons for "More actions". */
export function splitActions(
  task: Pick<Task, 'kind'>,
  offered: Readonly<Record<ButtonId, boolean>>,
): { first: ButtonId | null; more: ButtonId[] } {
  const first = FIRST_NEEDED[task.kind].find((id) => offered[id]) ?? null;
  const more = BUTTON_IDS.filter((id) => offered[id] && id !== first).sort(
    (a, b) => Number(ACTION_BUTTONS[a].group === 'more') - Number(ACTION_BUTTONS[b].group === 'more'),
  );
  return { first, more };
}

/**
 * The lists' single-key shortcuts for the selected row (WCAG 2.1.4: they can be switched off). `j`, `k`
 * and `/` move and filter; they are not actions.
 */
export const LIST_SHORTCUTS = { c: 'claim', a: 'acknowledge', r: 'resolve' } as const satisfies Record<
  string,
  ButtonId
>;
export type ShortcutAction = (typeof LIST_SHORTCUTS)[keyof typeof LIST_SHORTCUTS];

/**
 * Giving the task to someone (docs/HANDOFFS.md): these open a picker or a form rather than sending at
 * once, so `HandOnActions` and `HandoverPanel` lay them out; their words and when they are offered
 * live here with the other actions'.
 */
export interface HandOnButton {
  type: ActionType;
  label: string;
  /** A single-key shortcut on the task (off with the others, WCAG 2.1.4). */
  key?: string;
  offered(ctx: OfferContext): boolean;
}

export const HAND_ON_BUTTONS = {
  handOver: {
    type: 'handover.offer',
    label: 'Hand over…',
    offered: ({ can, anyReceiver }) => can('handover.offer', { to: { id: anyReceiver.id } }, anyReceiver),
  },
  reassign: {
    type: 'reassign',
    label: 'Reassign…',
    key: 'g',
    offered: ({ can, anyReceiver }) => can('reassign', { to: { id: anyReceiver.id } }, anyReceiver),
  },
  withdrawHandover: {
    type: 'handover.withdraw',
    label: 'Withdraw the offer',
    offered: ({ can }) => can('handover.withdraw'),
  },
  acceptHandover: {
    type: 'handover.accept',
    label: 'I have it',
    offered: ({ can }) => can('handover.accept', {}),
  },
  declineHandover: {
    type: 'handover.decline',
    label: 'Decline…',
    offered: ({ can }) => can('handover.decline', { reason: DRY_RUN_REASON }),
  },
} as const satisfies Record<string, HandOnButton>;

export type HandOnId = keyof typeof HAND_ON_BUTTONS;
export const HAND_ON_IDS = Object.keys(HAND_ON_BUTTONS) as HandOnId[];

/** How "Needs attention" names a refused action: "Your {noun} from 10:42 was refused". */
export const ACTION_NOUNS: Record<ActionType, string> = {
  claim: 'claim',
  release: 'release',
  acknowledge: 'acknowledgement',
  start: 'start',
  'checklist.set': 'checklist tick',
  hold: 'hold',
  resolve: 'resolution',
  escalate: 'escalation',
  reassign: 'reassignment',
  comment: 'comment',
  'handover.offer': 'handover',
  'handover.accept': 'handover acceptance',
  'handover.decline': 'handover decline',
  'handover.withdraw': 'handover withdrawal',
};
