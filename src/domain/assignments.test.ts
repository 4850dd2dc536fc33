import { describe, expect, it, test } from 'vitest';
import {
  AssignBedsCommand,
  clashMessage,
  decideAssignment,
  expandBedRange,
  followBed,
  parseShifts,
  previousShift,
  routeToAssignedNurse,
  shiftAt,
  sortBeds,
  type BedAssignment,
  type ShiftPattern,
} from './assignments';
import type { Principal } from './principal';
import type { Task } from './task';
import { aTask, at } from './testing/fixtures';

function patterns(text: string): ShiftPattern[] {
  const parsed = parseShifts(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.shifts;
}

const twelves = patterns('07:00-19:00,19:00-07:00');

describe('[AS1] SHIFTS', () => {
  it('two twelve-hour shifts tile the day', () => {
    expect(twelves).toEqual([
      { startMinute: 420, endMinute: 1140 },
      { startMinute: 1140, endMinute: 420 },
    ]);
  });

  test.each([
    ['', 'names no shift'],
    ['07:00-19:00', 'cover the whole day'],
    ['07:00-15:00,15:00-23:00', 'cover the whole day'],
    ['7am-7pm,19:00-07:00', 'is not a shift'],
    ['07:00-07:00', 'no length'],
  ])('"%s" is refused (%s)', (text, problem) => {
    const parsed = parseShifts(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(problem);
  });

  it('three eight-hour shifts in any order', () => {
    expect(patterns('23:00-07:00,07:00-15:00,15:00-23:00').map((p) => p.startMinute)).toEqual([
      420, 900, 1380,
    ]);
  });
});

describe('[AS1] shiftAt', () => {
  it('a day shift in London in winter (UTC+0)', () => {
    expect(shiftAt(new Date('2026-12-03T10:00:00Z'), twelves, 'Europe/London')).toEqual({
      id: '2026-12-03T07:00',
      label: 'Day 07:00–19:00',
      startsAt: '2026-12-03T07:00:00.000Z',
      endsAt: '2026-12-03T19:00:00.000Z',
    });
  });

  it('the night shift after midnight belongs to the night that began the evening before', () => {
    const night = shiftAt(new Date('2026-12-04T03:00:00Z'), twelves, 'Europe/London');
    expect(night).toMatchObject({
      id: '2026-12-03T19:00',
      label: 'Night 19:00–07:00',
      startsAt: '2026-12-03T19:00:00.000Z',
      endsAt: '2026-12-04T07:00:00.000Z',
    });
  });

  it('the boundary instant starts the next shift', () => {
    expect(shiftAt(new Date('2026-12-03T19:00:00Z'), twelves, 'Europe/London').id).toBe('2026-12-03T19:00');
    expect(shiftAt(new Date('2026-12-03T18:59:59Z'), twelves, 'Europe/London').id).toBe('2026-12-03T07:00');
  });

  it('in a time zone west of UTC', () => {
    expect(shiftAt(new Date('2026-12-03T13:00:00Z'), twelves, 'America/New_York')).toMatchObject({
      id: '2026-12-03T07:00',
      startsAt: '2026-12-03T12:00:00.000Z',
      endsAt: '2026-12-04T00:00:00.000Z',
    });
  });

  it('DST: the night the clocks go forward is 11 hours long', () => {
    // Europe/London, 29 March 2026: 01:00 → 02:00.
    const night = shiftAt(new Date('2026-03-29T03:00:00Z'), twelves, 'Europe/London');
    expect(night).toMatchObject({
      id: '2026-03-28T19:00',
      startsAt: '2026-03-28T19:00:00.000Z',
      endsAt: '2026-03-29T06:00:00.000Z',
    });
  });

  it('DST: the night the clocks go back is 13 hours long', () => {
    // Europe/London, 25 October 2026: 02:00 BST → 01:00 GMT.
    const night = shiftAt(new Date('2026-10-25T03:00:00Z'), twelves, 'Europe/London');
    expect(night).toMatchObject({
      id: '2026-10-24T19:00',
      startsAt: '2026-10-24T18:00:00.000Z',
      endsAt: '2026-10-25T07:00:00.000Z',
    });
  });

  it('a shift change at a time the clocks skip still has a start before its end', () => {
    const odd = patterns('01:30-13:30,13:30-01:30');
    const shift = shiftAt(new Date('2026-03-29T02:00:00Z'), odd, 'Europe/London');
    expect(Date.parse(shift.endsAt)).toBeGreaterThan(Date.parse(shift.startsAt));
    expect(Date.parse(shift.startsAt)).toBeLessThanOrEqual(Date.parse('2026-03-29T02:00:00Z'));
  });

  it('previousShift is the one that ended when this one began', () => {
    const day = shiftAt(new Date('2026-12-03T10:00:00Z'), twelves, 'Europe/London');
    expect(previousShift(day, twelves, 'Europe/London')).toMatchObject({
      id: '2026-12-02T19:00',
      endsAt: day.startsAt,
    });
  });
});

describe('[AS2] beds', () => {
  it('sort in ward order, numbers as numbers', () => {
    expect(sortBeds(['4W-10', '4W-2', '4W-01', '4W-2'])).toEqual(['4W-01', '4W-2', '4W-10']);
  });

  it('a range keeps its padding', () => {
    expect(expandBedRange('4W-01..4W-06')).toEqual(['4W-01', '4W-02', '4W-03', '4W-04', '4W-05', '4W-06']);
    expect(expandBedRange('4W-09..11')).toEqual(['4W-09', '4W-10', '4W-11']);
    expect(expandBedRange('4W-12')).toEqual(['4W-12']);
  });
});

const person = (id: string, name: string, roles: Principal['roles'], units: string[]): Principal => ({
  id,
  tenantId: 't',
  name,
  roles,
  units,
});
const okafor = person('okafor', 'R. Okafor', ['Nurse'], ['4W']);
const charge = person('charge', 'M. Charge', ['ChargeNurse'], ['4W']);
const nurse5E = person('lind', 'S. Lindqvist', ['Nurse'], ['5E']);
const coordinator = person('novak', 'J. Novak', ['Coordinator'], ['4W']);
const held = (bed: string, nurse: { id: string; name: string }): BedAssignment => ({
  bed,
  nurse,
  assignedBy: { id: 'charge', name: 'M. Charge' },
  assignedAt: '2026-12-03T14:02:00.000Z',
  source: 'charge',
});
const brightwater = { id: 'bw', name: 'D. Brightwater' };
const holders = new Map([['4W-03', held('4W-03', brightwater)]]);
const tz = 'Europe/London';

describe('decideAssignment', () => {
  it('[AS5] the charge nurse overrides whoever holds a bed', () => {
    expect(decideAssignment(charge, { unit: '4W', beds: ['4W-03'], nurseId: 'okafor' }, holders, tz)).toEqual(
      {
        ok: true,
        source: 'charge',
      },
    );
  });

  it('[AS6] a nurse takes unassigned beds for herself', () => {
    expect(decideAssignment(okafor, { unit: '4W', beds: ['4W-01'], nurseId: 'okafor' }, holders, tz)).toEqual(
      {
        ok: true,
        source: 'self',
      },
    );
  });

  it('[AS6] a bed someone else holds is a clash naming the bed and the holder', () => {
    expect(
      decideAssignment(okafor, { unit: '4W', beds: ['4W-01', '4W-03'], nurseId: 'okafor' }, holders, tz),
    ).toEqual({
      ok: false,
      code: 'conflict',
      message: '4W-03 is already assigned to D. Brightwater (by M. Charge at 14:02).',
    });
  });

  it('[AS6] a nurse gives back her own beds but not someone else’s', () => {
    const mine = new Map([['4W-01', held('4W-01', { id: 'okafor', name: 'R. Okafor' })], ...holders]);
    expect(decideAssignment(okafor, { unit: '4W', beds: ['4W-01'], nurseId: null }, mine, tz).ok).toBe(true);
    expect(decideAssignment(okafor, { unit: '4W', beds: ['4W-03'], nurseId: null }, mine, tz)).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
  });

  it('[AS7] a nurse cannot assign beds to someone else', () => {
    expect(
      decideAssignment(okafor, { unit: '4W', beds: ['4W-01'], nurseId: 'bw' }, new Map(), tz),
    ).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('[AS4] a 5E nurse and a coordinator cannot assign 4W beds, and learn nothing about them', () => {
    for (const actor of [nurse5E, coordinator]) {
      const decision = decideAssignment(
        actor,
        { unit: '4W', beds: ['4W-03'], nurseId: actor.id },
        holders,
        tz,
      );
      expect(decision).toMatchObject({ ok: false, code: 'forbidden' });
      if (!decision.ok) expect(decision.message).not.toContain('Brightwater');
    }
  });

  it('clash message for a bed the nurse took herself does not say "by"', () => {
    const self: BedAssignment = { ...held('4W-05', brightwater), assignedBy: brightwater, source: 'self' };
    expect(clashMessage(self, tz)).toBe('4W-05 is already assigned to D. Brightwater (at 14:02).');
  });
});

describe('AssignBedsCommand', () => {
  const base = {
    commandId: '0b7c6a1e-3f0a-4d7e-9a51-0c3f6b1d2e4f',
    unit: '4W',
    beds: ['4W-01'],
    nurseId: 'okafor',
    shiftId: '2026-12-03T07:00',
    madeAt: '2026-12-03T10:00:00.000Z',
  };
  it('accepts a well-formed command and refuses a bed named twice or none', () => {
    expect(AssignBedsCommand.safeParse(base).success).toBe(true);
    expect(AssignBedsCommand.safeParse({ ...base, beds: ['4W-01', '4W-01'] }).success).toBe(false);
    expect(AssignBedsCommand.safeParse({ ...base, beds: [] }).success).toBe(false);
    expect(AssignBedsCommand.safeParse({ ...base, commandId: 'x' }).success).toBe(false);
  });
});

describe('work follows the bed', () => {
  const mensah = { id: 'mensah', name: 'A. Mensah' };
  const okaforRef = { id: 'okafor', name: 'R. Okafor' };
  const now = at('11:00');
  const inBed = (bed: string, overrides: Partial<Task> = {}) =>
    aTask({ patient: { ref: 'P/1', name: 'X', mrn: 'M', bed }, ...overrides });

  it('[AS10] a new task for the bed becomes the nurse’s, with the reason in its history', () => {
    const routed = routeToAssignedNurse(inBed('4W-03'), okaforRef, now);
    expect(routed).toMatchObject({
      change: 'assigned-nurse',
      detail: 'Assigned nurse for 4W-03',
      upstream: 'claimed',
      task: { owner: okaforRef, status: 'accepted', claimedAt: now },
    });
  });

  test.each([
    ['no nurse', inBed('4W-03'), null],
    ['no bed', aTask({ patient: null }), okaforRef],
    ['work not routed to nurses', inBed('4W-03', { candidateRoles: ['Coordinator'] }), okaforRef],
    ['already owned', inBed('4W-03', { owner: mensah, status: 'accepted' }), okaforRef],
  ] as const)('[AS10] stays in the queue: %s', (_what, task, assigned) => {
    expect(routeToAssignedNurse(task, assigned, now)).toBeNull();
  });

  it('[AS12] queued and the previous nurse’s unstarted work moves; someone else’s claim stays', () => {
    expect(followBed(inBed('4W-03'), '4W-03', null, okaforRef, now)?.task.owner).toEqual(okaforRef);
    const hers = inBed('4W-03', { owner: mensah, status: 'accepted' });
    expect(followBed(hers, '4W-03', mensah, okaforRef, now)).toMatchObject({
      change: 'assigned-nurse',
      task: { owner: okaforRef },
    });
    expect(followBed(hers, '4W-03', { id: 'other', name: 'O' }, okaforRef, now)).toBeNull();
    expect(followBed(inBed('4W-05'), '4W-03', null, okaforRef, now)).toBeNull();
  });

  it('[AS16] the previous nurse’s started work stays hers and is offered to the new nurse', () => {
    const started = inBed('4W-03', { owner: mensah, status: 'in-progress' });
    const follow = followBed(started, '4W-03', mensah, okaforRef, now);
    expect(follow).toMatchObject({
      change: 'handover-offered',
      upstream: 'handover.offered',
      task: {
        owner: mensah,
        status: 'in-progress',
        handover: { from: mensah, to: okaforRef, offeredAt: now },
      },
    });
    // An offer already pending is left alone.
    expect(followBed(follow!.task, '4W-03', mensah, okaforRef, now)).toBeNull();
  });
});
