import { describe, expect, it, test } from 'vitest';
import { ACTION_TYPES, type ActionType } from './commands';
import { decide, type Decision, type DecideOptions } from './decide';
import { ROLES, type Principal, type StaffRole } from './principal';
import type { RejectionCode } from './results';
import { NO_ESCALATION, TASK_STATUSES, Task, type TaskStatus } from './task';
import {
  BY_ROLE,
  CLAIMED_AT,
  NOW,
  aResult,
  aTask,
  admin,
  anException,
  at,
  chargeNurse,
  coordinator,
  inStatus,
  ingest,
  item,
  nurse,
  nurse5E,
  okafor,
  ownedBy,
  ref,
  supervisor,
} from './testing/fixtures';

function run(
  task: Task | null | undefined,
  type: ActionType,
  payload: unknown,
  actor: Principal,
  options: DecideOptions = {},
): Decision {
  return decide(task, { type, payload }, actor, NOW, options);
}

function applied(decision: Decision) {
  if (decision.status !== 'applied')
    throw new Error(`expected applied, got ${decision.code}: ${decision.message}`);
  return decision;
}

function rejected(decision: Decision) {
  if (decision.status !== 'rejected')
    throw new Error(`expected a rejection, got applied (${decision.change})`);
  return decision;
}

/** Freezes a task all the way down, so any attempt by `decide` to edit its input throws. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The table: every action × every status × every role.
//
// Fixed scenario for every cell (stated once, because the honest answer depends on it):
// - the task is a discharge on 4W routed to nurses, not acknowledged, not escalated; its checklist has a
//   required item already ticked and an optional item ("transport") open, so it resolves without override;
// - when the status is `requested` nobody owns it; in every other status it is owned by the 4W staff
//   nurse, who is the actor of the Nurse column (so that column is "the owner acting on their own work",
//   and the lead columns are "a lead acting on a nurse's work");
// - the actor of each column: Nurse = A. Mensah (4W), ChargeNurse of 4W, Coordinator of 4W/5E/ICU,
//   Supervisor of every unit, Admin and Ingest with no units;
// - on-hold tasks are held for "Waiting for transport"; the hold command gives a different reason;
// - reassign names R. Okafor, a nurse on 4W, whom the directory knows.
//
// `no-op` means `applied` with `change === null` and the very same task (version unchanged).

type Expected = 'applied' | 'no-op' | RejectionCode;
type Row = readonly [
  Nurse: Expected,
  Charge: Expected,
  Coordinator: Expected,
  Supervisor: Expected,
  Admin: Expected,
  Ingest: Expected,
];
const COLUMNS = ['Nurse', 'ChargeNurse', 'Coordinator', 'Supervisor', 'Admin', 'Ingest'] as const;

// prettier-ignore
const RULES: Record<ActionType, Record<TaskStatus, Row>> = {
  //                 Nurse (owner)  ChargeNurse   Coordinator   Supervisor    Admin        Ingest
  claim: {
    requested:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['no-op',      'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'in-progress':  ['no-op',      'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'on-hold':      ['no-op',      'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Releasing nobody's work changes nothing; the owner or a lead of the unit may release.
  release: {
    requested:      ['no-op',      'no-op',      'no-op',      'no-op',      'not-found', 'not-found'],
    accepted:       ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'in-progress':  ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'on-hold':      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Anyone who may work it (or owns it) acknowledges, whoever owns it: it is a fact, not a claim.
  acknowledge: {
    requested:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'in-progress':  ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'on-hold':      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Starting unclaimed work claims it; someone else's work is theirs to start, even for a lead.
  start: {
    requested:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['applied',    'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'in-progress':  ['no-op',      'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'on-hold':      ['applied',    'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // A nurse claims before ticking (so two never tick one list unknowingly); leads may tick any list.
  'checklist.set': {
    requested:      ['invalid',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'in-progress':  ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'on-hold':      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Owner, lead, or (when nobody owns it) anyone who may work it.
  hold: {
    requested:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'in-progress':  ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'on-hold':      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Owner, lead, or (when nobody owns it) anyone who may work it; no required item is open here.
  // The completed task was resolved (outcome `done`) by its owner: the owner resolving it again only
  // repeats that, so it is a no-op; for anyone else it is `closed` ("Already resolved by A. Mensah").
  resolve: {
    requested:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'in-progress':  ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'on-hold':      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    completed:      ['no-op',      'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Anyone who may work it (or owns it) escalates by hand; each is a new page, never a no-op.
  escalate: {
    requested:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'in-progress':  ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'on-hold':      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Only charge nurses and coordinators (for discharge work and exceptions) reassign; not supervisors.
  reassign: {
    requested:      ['forbidden',  'applied',    'applied',    'forbidden',  'not-found', 'not-found'],
    accepted:       ['forbidden',  'applied',    'applied',    'forbidden',  'not-found', 'not-found'],
    'in-progress':  ['forbidden',  'applied',    'applied',    'forbidden',  'not-found', 'not-found'],
    'on-hold':      ['forbidden',  'applied',    'applied',    'forbidden',  'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // Anyone who can see the task may add a note, even after it closed.
  comment: {
    requested:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    accepted:       ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'in-progress':  ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    'on-hold':      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    completed:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    cancelled:      ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
    failed:         ['applied',    'applied',    'applied',    'applied',    'not-found', 'not-found'],
  },
  // [HO1] Only the owner offers her own work; a lead reassigns instead; queue work is claimed first.
  'handover.offer': {
    requested:      ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    accepted:       ['applied',    'forbidden',  'forbidden',  'forbidden',  'not-found', 'not-found'],
    'in-progress':  ['applied',    'forbidden',  'forbidden',  'forbidden',  'not-found', 'not-found'],
    'on-hold':      ['applied',    'forbidden',  'forbidden',  'forbidden',  'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // [HO4] Nothing is offered in the grid's tasks, so there is nothing to accept: a sentence, never a change.
  'handover.accept': {
    requested:      ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    accepted:       ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'in-progress':  ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'on-hold':      ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // [HO5] Likewise nothing to decline.
  'handover.decline': {
    requested:      ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    accepted:       ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'in-progress':  ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'on-hold':      ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
  // With no offer pending, withdrawing is harmless for the owner and a sentence for anyone else.
  'handover.withdraw': {
    requested:      ['conflict',   'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    accepted:       ['no-op',      'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'in-progress':  ['no-op',      'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    'on-hold':      ['no-op',      'conflict',   'conflict',   'conflict',   'not-found', 'not-found'],
    completed:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    cancelled:      ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
    failed:         ['closed',     'closed',     'closed',     'closed',     'not-found', 'not-found'],
  },
};

/** The grid's command for each action: valid payloads, chosen so an allowed action changes something. */
const GRID_PAYLOAD: Record<ActionType, unknown> = {
  claim: {},
  release: {},
  acknowledge: {},
  start: {},
  'checklist.set': { itemId: 'transport', done: true },
  hold: { reason: 'Waiting for pharmacy' },
  resolve: {},
  escalate: { reason: 'Patient ready, no transport booked' },
  reassign: { to: { id: okafor.id } },
  comment: { text: 'Daughter collecting at 15:00' },
  'handover.offer': { to: { id: okafor.id }, note: { severity: 'stable', text: 'Awaiting transport' } },
  'handover.accept': { synthesis: 'Transport then home' },
  'handover.decline': { reason: 'Full load already' },
  'handover.withdraw': {},
};

/** The 4W nurse's claimed task, offered to `receiver` at 10:30. */
function offeredTo(receiver: Principal): Task {
  return ownedBy(nurse, {
    handover: { from: ref(nurse), to: ref(receiver), offeredAt: at('10:30'), note: null, alertedAt: null },
  });
}

function gridTask(status: TaskStatus): Task {
  return inStatus(status, nurse);
}

const cells = ACTION_TYPES.flatMap((action) =>
  TASK_STATUSES.flatMap((status) =>
    ROLES.map((role) => {
      const expected = RULES[action][status][COLUMNS.indexOf(role as (typeof COLUMNS)[number])];
      const shown =
        expected === 'no-op'
          ? 'applied (no-op)'
          : expected === 'applied'
            ? 'applied'
            : `rejected ${expected}`;
      return { action, status, role, expected, title: `${action} × ${status} × ${role} → ${shown}` };
    }),
  ),
);

describe('decide: every action × every status × every role', () => {
  it('the table covers exactly the domain’s actions, statuses and roles', () => {
    expect(Object.keys(RULES)).toEqual([...ACTION_TYPES]);
    for (const action of ACTION_TYPES) expect(Object.keys(RULES[action])).toEqual([...TASK_STATUSES]);
    expect([...COLUMNS]).toEqual([...ROLES]);
    expect(cells).toHaveLength(ACTION_TYPES.length * TASK_STATUSES.length * ROLES.length);
  });

  test.each(cells.map((cell) => [cell.title, cell] as const))(
    '%s',
    (_title, { action, status, role, expected }) => {
      const before = deepFreeze(gridTask(status));
      const actor = BY_ROLE[role as StaffRole];
      const result = run(before, action, GRID_PAYLOAD[action], actor, { assignee: okafor });

      if (expected === 'applied') {
        const ok = applied(result);
        expect(ok.change).not.toBeNull();
        expect(ok.task.version).toBe(before.version + 1);
        expect(ok.task.updatedAt).toBe(NOW);
        expect(Task.safeParse(ok.task).success).toBe(true);
      } else if (expected === 'no-op') {
        const ok = applied(result);
        expect(ok.change).toBeNull();
        expect(ok.task).toBe(before);
      } else {
        const refused = rejected(result);
        expect(refused.code).toBe(expected);
        expect(refused.message.length).toBeGreaterThan(10);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------------

describe('decide: repeating it is harmless', () => {
  interface RepeatCase {
    type: ActionType;
    task: Task;
    actor: Principal;
    payload: unknown;
    options?: DecideOptions;
    label?: string;
  }
  const repeats: RepeatCase[] = [
    { type: 'claim', task: aTask(), actor: nurse, payload: {} },
    { type: 'release', task: ownedBy(nurse), actor: nurse, payload: {} },
    { type: 'acknowledge', task: aResult(), actor: nurse, payload: {} },
    { type: 'start', task: ownedBy(nurse), actor: nurse, payload: {} },
    {
      type: 'checklist.set',
      task: ownedBy(nurse),
      actor: nurse,
      payload: { itemId: 'transport', done: true },
    },
    { type: 'hold', task: ownedBy(nurse), actor: nurse, payload: { reason: 'Waiting for pharmacy' } },
    {
      label: 'resolve (a discharge)',
      type: 'resolve',
      task: ownedBy(nurse, { status: 'in-progress' }),
      actor: nurse,
      payload: { note: 'Home by taxi' },
    },
    {
      label: 'resolve (an exception, as fixed)',
      type: 'resolve',
      task: anException({ owner: ref(coordinator) }),
      actor: coordinator,
      payload: { outcome: 'fixed' },
    },
    {
      type: 'reassign',
      task: ownedBy(nurse),
      actor: chargeNurse,
      payload: { to: { id: okafor.id } },
      options: { assignee: okafor },
    },
    {
      type: 'handover.offer',
      task: ownedBy(nurse),
      actor: nurse,
      payload: { to: { id: okafor.id }, note: { summary: 'Home today, awaiting transport' } },
      options: { assignee: okafor },
    },
    { type: 'handover.accept', task: offeredTo(okafor), actor: okafor, payload: {} },
    { type: 'handover.decline', task: offeredTo(okafor), actor: okafor, payload: { reason: 'Full load' } },
    { type: 'handover.withdraw', task: offeredTo(okafor), actor: nurse, payload: {} },
  ];

  test.each(repeats.map((c) => [c.label ?? c.type, c] as const))(
    '%s twice: the second is an applied no-op on the same version',
    (_type, c) => {
      const first = applied(run(c.task, c.type, c.payload, c.actor, c.options));
      expect(first.change).not.toBeNull();
      expect(first.task.version).toBe(c.task.version + 1);

      const second = applied(run(first.task, c.type, c.payload, c.actor, c.options));
      expect(second.change).toBeNull();
      expect(second.task).toBe(first.task);
      expect(second.task.version).toBe(first.task.version);
    },
  );

  it('every action has a repeat case (here, or documented below as meaningful repetition)', () => {
    const covered = new Set<ActionType>([...repeats.map((r) => r.type), 'comment', 'escalate']);
    expect([...covered].sort()).toEqual([...ACTION_TYPES].sort());
  });

  // Repetition is meaningful for these two: each command (its own commandId) is one more note or one
  // more page. Replays of the *same* commandId are answered `duplicate` by the store, not by decide.
  it('comment twice: two notes, because each command is one note (same-commandId replays are the store’s duplicates)', () => {
    const payload = { text: 'Daughter collecting at 15:00' };
    const first = applied(run(ownedBy(nurse), 'comment', payload, nurse));
    const second = applied(run(first.task, 'comment', payload, nurse));
    expect(second.task.comments.map((c) => c.text)).toEqual([payload.text, payload.text]);
    expect(second.task.version).toBe(first.task.version + 1);
  });

  it('escalate twice: the level rises each time, because each is a new call for help', () => {
    const payload = { reason: 'No answer from the doctor' };
    const first = applied(run(aResult(), 'escalate', payload, nurse));
    const second = applied(run(first.task, 'escalate', payload, nurse));
    expect([first.task.escalation.level, second.task.escalation.level]).toEqual([1, 2]);
    expect(second.task.escalation).toMatchObject({ lastAt: NOW, reason: payload.reason });
    expect(second.upstream).toBe('escalated');
  });

  it('a resolve by someone else after it was resolved is `closed`, naming who resolved it and when', () => {
    const done = applied(run(ownedBy(nurse), 'resolve', {}, nurse)).task;
    const late = rejected(run(done, 'resolve', {}, chargeNurse));
    expect(late).toMatchObject({ code: 'closed', message: 'Already resolved by A. Mensah at 10:42.' });
  });

  it('resolving a resolved exception with a different outcome is not a repeat: `closed`', () => {
    const done = applied(run(anException(), 'resolve', { outcome: 'fixed' }, coordinator)).task;
    expect(rejected(run(done, 'resolve', { outcome: 'dismissed' }, coordinator)).code).toBe('closed');
  });
});

// ---------------------------------------------------------------------------------------------------

describe('decide: semantic preconditions', () => {
  describe('claim', () => {
    it('of a task someone else owns is a conflict naming the owner and the time', () => {
      const task = ownedBy(okafor, { claimedAt: at('10:42') });
      const result = rejected(run(task, 'claim', {}, nurse));
      expect(result).toEqual({
        status: 'rejected',
        code: 'conflict',
        message: 'Already claimed by R. Okafor at 10:42.',
      });
    });

    it('names the time in the hospital’s time zone', () => {
      const task = ownedBy(okafor, { claimedAt: at('10:42') });
      const result = rejected(run(task, 'claim', {}, nurse, { timeZone: 'Europe/Berlin' }));
      expect(result.message).toBe('Already claimed by R. Okafor at 11:42.');
    });

    it('sets owner, claim time and `accepted`, and tells upstream', () => {
      const result = applied(run(aTask(), 'claim', undefined, nurse));
      expect(result.task).toMatchObject({ owner: ref(nurse), claimedAt: NOW, status: 'accepted' });
      expect(result).toMatchObject({ change: 'claimed', upstream: 'claimed' });
    });

    it.each([undefined, null, {}])('takes an empty payload (%s)', (payload) => {
      expect(run(aTask(), 'claim', payload, nurse).status).toBe('applied');
    });
  });

  describe('who may see it', () => {
    it.each([
      ['a nurse of another unit', () => run(aTask(), 'claim', {}, nurse5E)],
      ['a nurse of the unit, for work routed to another role', () => run(anException(), 'claim', {}, nurse)],
      ['an admin (no patient work)', () => run(aTask(), 'comment', { text: 'hello' }, admin)],
      ['an integration account (no patient work)', () => run(aTask(), 'comment', { text: 'hello' }, ingest)],
      ['anyone, for a task that does not exist', () => run(null, 'claim', {}, nurse)],
    ] as const)(
      '[N7] %s hears the same answer as for a missing task: no oracle of other units’ work',
      (_who, attempt) => {
        expect(rejected(attempt())).toEqual(
          expect.objectContaining({ code: 'not-found', message: 'This task is no longer on the worklist.' }),
        );
      },
    );

    it('the owner may still act on work after moving units (owning it keeps it visible)', () => {
      const moved = { ...nurse, units: ['5E'] };
      expect(applied(run(ownedBy(nurse), 'release', {}, moved)).task.owner).toBeNull();
    });
  });

  describe('a missing task', () => {
    it.each([null, undefined])('is not-found (%s)', (task) => {
      const result = rejected(run(task, 'claim', {}, nurse));
      expect(result).toMatchObject({ code: 'not-found', message: 'This task is no longer on the worklist.' });
    });
  });

  describe('a bad payload is invalid with a message a person can read', () => {
    const cases: { title: string; type: ActionType; payload: unknown; says: RegExp }[] = [
      { title: 'hold without a reason', type: 'hold', payload: {}, says: /reason/ },
      {
        title: 'hold with a blank reason',
        type: 'hold',
        payload: { reason: '   ' },
        says: /a reason is required/,
      },
      { title: 'claim with an unexpected field', type: 'claim', payload: { force: true }, says: /force/ },
      {
        title: 'checklist.set with done as text',
        type: 'checklist.set',
        payload: { itemId: 'transport', done: 'yes' },
        says: /done/,
      },
      {
        title: 'checklist.set without an item',
        type: 'checklist.set',
        payload: { done: true },
        says: /itemId/,
      },
      { title: 'an empty comment', type: 'comment', payload: { text: '  ' }, says: /the comment is empty/ },
      { title: 'reassign to nobody', type: 'reassign', payload: {}, says: /to/ },
      {
        title: 'resolve with an unknown outcome',
        type: 'resolve',
        payload: { outcome: 'ignored' },
        says: /outcome/,
      },
    ];
    test.each(cases.map((c) => [c.title, c] as const))('%s', (_title, { type, payload, says }) => {
      const result = rejected(run(ownedBy(nurse), type, payload, chargeNurse, { assignee: okafor }));
      expect(result.code).toBe('invalid');
      expect(result.message).toMatch(/^The action's details are not right: /);
      expect(result.message).toMatch(says);
      expect(result.message).not.toMatch(/\bevent:/);
    });

    it('an action Wardline does not know is invalid, naming it', () => {
      const result = decide(aTask(), { type: 'teleport' as ActionType, payload: {} }, nurse, NOW);
      expect(rejected(result)).toMatchObject({
        code: 'invalid',
        message: '"teleport" is not an action Wardline knows.',
      });
    });
  });

  describe('closed tasks', () => {
    it.each([
      ['completed', 'Already resolved by A. Mensah at 10:00.'],
      ['cancelled', 'This task was withdrawn upstream; nothing more to do.'],
      ['failed', 'This task is closed.'],
    ] as const)('%s: only a comment is still possible (“%s”)', (status, message) => {
      const task = inStatus(status);
      expect(rejected(run(task, 'claim', {}, nurse))).toMatchObject({ code: 'closed', message });
      expect(applied(run(task, 'comment', { text: 'For the record' }, nurse)).task.comments).toHaveLength(1);
    });
  });

  describe('resolve', () => {
    const openList = (n: number) =>
      Array.from({ length: n }, (_, i) => item(`item-${i + 1}`, `Required step ${i + 1}`, true));

    it('a discharge with open required items is invalid, listing them', () => {
      const task = ownedBy(nurse, {
        checklist: [
          item('med-rec', 'Medication reconciliation', true),
          item('transport', 'Transport booked', false),
          item('teach-back', 'Education with teach-back', true),
        ],
      });
      const result = rejected(run(task, 'resolve', {}, nurse));
      expect(result.code).toBe('invalid');
      expect(result.message).toBe(
        '2 required items are still open (Medication reconciliation, Education with teach-back). Tick them, or give a reason to override.',
      );
    });

    it('lists at most three open items and counts the rest', () => {
      const result = rejected(run(ownedBy(nurse, { checklist: openList(5) }), 'resolve', {}, nurse));
      expect(result.message).toContain('(Required step 1, Required step 2, Required step 3 and 2 more)');
    });

    it('one open item is named in the singular', () => {
      const result = rejected(run(ownedBy(nurse, { checklist: openList(1) }), 'resolve', {}, nurse));
      expect(result.message).toBe(
        '1 required item is still open (Required step 1). Tick it, or give a reason to override.',
      );
    });

    it('with an override reason it is applied and the reason is recorded', () => {
      const reason = 'Patient self-discharged against advice';
      const result = applied(
        run(ownedBy(nurse, { checklist: openList(2) }), 'resolve', { overrideReason: reason }, nurse),
      );
      expect(result.task.status).toBe('completed');
      expect(result.task.resolution).toMatchObject({
        outcome: 'done',
        overrideReason: reason,
        by: ref(nurse),
        at: NOW,
      });
      expect(result).toMatchObject({
        change: 'resolved-with-override',
        detail: reason,
        upstream: 'resolved',
      });
    });

    it('an override reason is not recorded when nothing was open to override', () => {
      const result = applied(run(ownedBy(nurse), 'resolve', { overrideReason: 'Just in case' }, nurse));
      expect(result.task.resolution?.overrideReason).toBeNull();
      expect(result.change).toBe('resolved');
    });

    it('a blank override reason does not override', () => {
      const result = rejected(
        run(ownedBy(nurse, { checklist: openList(1) }), 'resolve', { overrideReason: ' ' }, nurse),
      );
      expect(result.code).toBe('invalid');
    });

    it('an exception needs an outcome', () => {
      const result = rejected(run(anException(), 'resolve', {}, coordinator));
      expect(result).toMatchObject({
        code: 'invalid',
        message: 'Choose how this exception ends: fixed, dismissed, or sent back upstream.',
      });
    });

    it.each(['fixed', 'dismissed', 'sent-upstream'] as const)(
      'an exception resolved as %s records it',
      (outcome) => {
        const result = applied(
          run(anException(), 'resolve', { outcome, note: 'Matched to DEMO-000031' }, coordinator),
        );
        expect(result.task.resolution).toMatchObject({
          outcome,
          note: 'Matched to DEMO-000031',
          by: ref(coordinator),
        });
        expect(result).toMatchObject({ upstream: 'exception.resolved', detail: outcome });
      },
    );

    it('an outcome on work that is not an exception is invalid', () => {
      expect(rejected(run(ownedBy(nurse), 'resolve', { outcome: 'fixed' }, nurse)).code).toBe('invalid');
    });

    it.each([undefined, null, {}])('needs no payload for plain work (%s)', (payload) => {
      expect(applied(run(ownedBy(nurse), 'resolve', payload, nurse)).task.status).toBe('completed');
    });

    it('acknowledges, stops escalation and clears a hold', () => {
      const task = inStatus('on-hold', nurse, {
        escalation: { ...NO_ESCALATION, level: 1, nextAt: at('11:00'), lastAt: at('10:30'), reason: null },
      });
      const result = applied(run(task, 'resolve', {}, nurse)).task;
      expect(result).toMatchObject({ acknowledgedAt: NOW, acknowledgedBy: ref(nurse), hold: null });
      expect(result.escalation).toMatchObject({ level: 1, nextAt: null });
    });

    it('by a nurse who neither owns it nor leads is a conflict naming the owner', () => {
      const result = rejected(run(ownedBy(okafor), 'resolve', {}, nurse));
      expect(result.code).toBe('conflict');
      expect(result.message).toContain('R. Okafor at 09:15');
    });
  });

  describe('reassign', () => {
    const to = { to: { id: okafor.id } };

    it.each([
      ['nurse', nurse],
      ['house supervisor', supervisor],
    ] as const)('is forbidden to a %s (only charge nurses and coordinators reassign)', (_role, who) => {
      const result = rejected(run(ownedBy(nurse), 'reassign', to, who, { assignee: okafor }));
      expect(result).toMatchObject({
        code: 'forbidden',
        message: 'Only the charge nurse or a care coordinator can reassign this work.',
      });
    });

    it.each([
      ['charge nurse', chargeNurse],
      ['care coordinator', coordinator],
    ] as const)('by a %s gives the work to the colleague', (_role, who) => {
      const result = applied(run(ownedBy(nurse), 'reassign', to, who, { assignee: okafor }));
      expect(result.task).toMatchObject({ owner: ref(okafor), claimedAt: NOW, status: 'accepted' });
      expect(result).toMatchObject({ change: 'reassigned', detail: okafor.id });
    });

    it('by a coordinator of work that is not theirs to see (a result to acknowledge) is not-found', () => {
      expect(rejected(run(aResult(), 'reassign', to, coordinator, { assignee: okafor })).code).toBe(
        'not-found',
      );
    });

    it('to someone off the unit is invalid, naming them and the unit', () => {
      const result = rejected(
        run(ownedBy(nurse), 'reassign', { to: { id: nurse5E.id } }, chargeNurse, { assignee: nurse5E }),
      );
      expect(result).toMatchObject({ code: 'invalid' });
      expect(result.message).toBe('S. Lindqvist does not work on 4W in a role this task is routed to.');
    });

    it('to someone on the unit in a role the task is not routed to is invalid', () => {
      const result = rejected(
        run(aResult(), 'reassign', { to: { id: coordinator.id } }, chargeNurse, { assignee: coordinator }),
      );
      expect(result.code).toBe('invalid');
    });

    it('to someone the directory does not know is not-found', () => {
      expect(rejected(run(ownedBy(nurse), 'reassign', to, chargeNurse, { assignee: null })).code).toBe(
        'not-found',
      );
      expect(rejected(run(ownedBy(nurse), 'reassign', to, chargeNurse, { assignee: nurse5E })).code).toBe(
        'not-found',
      );
    });
  });

  describe('acknowledge', () => {
    it('stops escalation at once and records who and when', () => {
      const supervisor = { role: 'Supervisor', scope: 'hospital' } as const;
      const task = aResult({
        escalation: {
          ...NO_ESCALATION,
          level: 2,
          nextAt: at('10:50'),
          lastAt: at('10:40'),
          target: supervisor,
          next: { ...supervisor, level: 2, repeat: true },
        },
      });
      const result = applied(run(task, 'acknowledge', {}, chargeNurse));
      // Nothing more fires, and the screen at once stops saying who it would go to next.
      expect(result.task.escalation).toEqual({
        ...NO_ESCALATION,
        level: 2,
        nextAt: null,
        lastAt: at('10:40'),
        target: supervisor,
        next: null,
      });
      // [HO9] The follow-up gets a name: the acknowledger owns the unowned result, in the same change.
      expect(result.task).toMatchObject({
        acknowledgedAt: NOW,
        acknowledgedBy: ref(chargeNurse),
        owner: ref(chargeNurse),
        claimedAt: NOW,
        status: 'accepted',
      });
      expect(result).toMatchObject({ change: 'acknowledged', upstream: 'acknowledged' });
    });

    it('[HO9] acknowledging someone else’s result leaves its owner as it is', () => {
      const task = aResult({ owner: ref(okafor), claimedAt: CLAIMED_AT, status: 'accepted' });
      const result = applied(run(task, 'acknowledge', {}, chargeNurse));
      expect(result.task).toMatchObject({
        owner: ref(okafor),
        claimedAt: CLAIMED_AT,
        acknowledgedBy: ref(chargeNurse),
      });
      expect(result.detail ?? null).toBeNull();
    });

    it('an acknowledged task stays acknowledged by the first person', () => {
      const task = aResult({ acknowledgedAt: at('10:35'), acknowledgedBy: ref(okafor) });
      const result = applied(run(task, 'acknowledge', {}, nurse));
      expect(result.change).toBeNull();
      expect(result.task.acknowledgedBy).toEqual(ref(okafor));
    });
  });

  describe('start', () => {
    it('unclaimed work is claimed for the caller and tells upstream it was claimed', () => {
      const result = applied(run(aTask(), 'start', {}, nurse));
      expect(result.task).toMatchObject({ owner: ref(nurse), claimedAt: NOW, status: 'in-progress' });
      expect(result).toMatchObject({ change: 'started', upstream: 'claimed' });
    });

    it('resumes held work and clears the hold', () => {
      const result = applied(run(inStatus('on-hold'), 'start', {}, nurse));
      expect(result.task).toMatchObject({ status: 'in-progress', hold: null, claimedAt: CLAIMED_AT });
      expect(result).toMatchObject({ change: 'resumed', upstream: null });
    });
  });

  describe('checklist.set', () => {
    it('ticks as the actor, now, and starts claimed work', () => {
      const result = applied(
        run(ownedBy(nurse), 'checklist.set', { itemId: 'transport', done: true }, nurse),
      );
      expect(result.task.checklist[1]).toEqual({
        ...item('transport', 'Transport booked', false),
        done: true,
        doneBy: ref(nurse),
        doneAt: NOW,
      });
      expect(result.task.status).toBe('in-progress');
      expect(result).toMatchObject({ change: 'item-done', detail: 'transport' });
    });

    it('unticking clears who and when', () => {
      const result = applied(run(ownedBy(nurse), 'checklist.set', { itemId: 'med-rec', done: false }, nurse));
      expect(result.task.checklist[0]).toMatchObject({ done: false, doneBy: null, doneAt: null });
      expect(result.change).toBe('item-undone');
    });

    it('unclaimed work must be claimed first', () => {
      const result = rejected(run(aTask(), 'checklist.set', { itemId: 'transport', done: true }, nurse));
      expect(result).toMatchObject({
        code: 'invalid',
        message: 'Claim this task before working its checklist.',
      });
    });

    it('an item that is not on the task is invalid', () => {
      const result = rejected(run(ownedBy(nurse), 'checklist.set', { itemId: 'nope', done: true }, nurse));
      expect(result).toMatchObject({
        code: 'invalid',
        message: 'That checklist item is not on this task any more.',
      });
    });

    it('a task without a checklist is invalid', () => {
      const result = rejected(
        run(aResult({ owner: ref(nurse) }), 'checklist.set', { itemId: 'x', done: true }, nurse),
      );
      expect(result).toMatchObject({ code: 'invalid', message: 'This task has no checklist.' });
    });

    it('someone else’s list is a conflict for a nurse who does not lead', () => {
      const result = rejected(
        run(ownedBy(okafor), 'checklist.set', { itemId: 'transport', done: true }, nurse),
      );
      expect(result.code).toBe('conflict');
      expect(result.message).toContain('R. Okafor');
    });
  });

  describe('release and hold', () => {
    it('release hands the work back, keeps the ticks and clears a hold', () => {
      const before = inStatus('on-hold');
      const result = applied(run(before, 'release', {}, nurse));
      expect(result.task).toMatchObject({ owner: null, claimedAt: null, status: 'requested', hold: null });
      expect(result.task.checklist).toEqual(before.checklist);
    });

    it('release of someone else’s work by a nurse who does not lead is a conflict naming the owner', () => {
      const result = rejected(run(ownedBy(okafor), 'release', {}, nurse));
      expect(result.code).toBe('conflict');
      expect(result.message).toMatch(/^Claimed by R\. Okafor at 09:15/);
    });

    it('hold records the reason, who and when', () => {
      const result = applied(run(ownedBy(nurse), 'hold', { reason: '  Waiting for pharmacy ' }, nurse));
      expect(result.task).toMatchObject({
        status: 'on-hold',
        hold: { reason: 'Waiting for pharmacy', by: ref(nurse), at: NOW },
      });
    });
  });

  describe('comment', () => {
    it('keeps markup verbatim as text', () => {
      const text = '<img src=x onerror=alert(1)> **bold**';
      const result = applied(run(ownedBy(nurse), 'comment', { text }, nurse));
      expect(result.task.comments).toEqual([{ by: ref(nurse), at: NOW, text }]);
    });

    it('refuses a 201st comment', () => {
      const comments = Array.from({ length: 200 }, () => ({ by: ref(nurse), at: NOW, text: 'x' }));
      expect(rejected(run(ownedBy(nurse, { comments }), 'comment', { text: 'one more' }, nurse)).code).toBe(
        'invalid',
      );
    });
  });

  describe('version', () => {
    it('bumps by exactly 1 on a change and stamps the time', () => {
      const result = applied(run(aTask({ version: 41 }), 'claim', {}, nurse));
      expect(result.task.version).toBe(42);
      expect(result.task.updatedAt).toBe(NOW);
      expect(result.task.seq).toBe(aTask().seq);
    });

    it('does not move on a no-op', () => {
      const task = ownedBy(nurse, { version: 41 });
      const result = applied(run(task, 'claim', {}, nurse));
      expect(result.task.version).toBe(41);
      expect(result.task.updatedAt).toBe(task.updatedAt);
    });
  });
});
