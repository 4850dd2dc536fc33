import { z } from 'zod';
import { StaffRef, isClosed } from './task';
import type { Task } from './task';
import { hasRole, isMemberOf, type Principal } from './principal';

/**
 * Patient assignments (docs/ASSIGNMENTS.md AS1…): for each unit and shift, each bed has at most one
 * assigned nurse. Shapes shared by the relay and the PWA, and the pure rules both apply: the shift a
 * moment belongs to (DST-safe, in the hospital's time zone) and who may assign which bed.
 */

const IsoTime = z.iso.datetime({ offset: true });

export const Shift = z.object({
  /** The shift's local start, e.g. "2026-12-03T07:00": stable, so a command made offline names it. */
  id: z.string().min(1),
  /** "Day 07:00–19:00". */
  label: z.string(),
  startsAt: IsoTime,
  endsAt: IsoTime,
});
export type Shift = z.infer<typeof Shift>;

export const AssignmentSource = z.enum(['charge', 'self', 'ehr']);
export type AssignmentSource = z.infer<typeof AssignmentSource>;

export const BedAssignment = z.object({
  bed: z.string().min(1),
  nurse: StaffRef.nullable(),
  assignedBy: StaffRef.nullable(),
  assignedAt: IsoTime.nullable(),
  source: AssignmentSource.nullable(),
});
export type BedAssignment = z.infer<typeof BedAssignment>;

export const UnitAssignments = z.object({
  unit: z.string().min(1),
  shift: Shift,
  /** Every bed of the unit, sorted. */
  beds: z.array(BedAssignment),
  /** Beds whose assignment ended at the last shift change and are not assigned again (AS9). */
  endedUnassigned: z.array(z.string()),
});
export type UnitAssignments = z.infer<typeof UnitAssignments>;

export const MAX_BEDS_PER_COMMAND = 60;

export const AssignBedsCommand = z.object({
  commandId: z.uuid({ error: 'commandId must be a UUID made by the client' }),
  unit: z.string().trim().min(1).max(40),
  beds: z
    .array(z.string().trim().min(1).max(32))
    .min(1)
    .max(MAX_BEDS_PER_COMMAND)
    .refine((beds) => new Set(beds).size === beds.length, 'a bed is named twice'),
  /** The nurse the beds go to, or null to unassign them. */
  nurseId: z.string().min(1).max(200).nullable(),
  shiftId: z.string().min(1).max(40),
  madeAt: IsoTime,
});
export type AssignBedsCommand = z.infer<typeof AssignBedsCommand>;

export const ASSIGN_REJECTION_CODES = ['conflict', 'forbidden', 'invalid', 'not-found', 'closed'] as const;
export type AssignRejectionCode = (typeof ASSIGN_REJECTION_CODES)[number];

export const AssignBedsResult = z.object({
  status: z.enum(['applied', 'duplicate', 'rejected']),
  code: z.enum(ASSIGN_REJECTION_CODES).optional(),
  /** A sentence for a nurse. */
  message: z.string().optional(),
  /** For a duplicate: what the first attempt did. */
  original: z.enum(['applied', 'rejected']).optional(),
  assignments: UnitAssignments.nullable(),
});
export type AssignBedsResult = z.infer<typeof AssignBedsResult>;

// ---------------------------------------------------------------------------------------------------
// Shifts (AS1)

/** One configured shift pattern: local wall-clock start and end, in minutes after midnight. */
export interface ShiftPattern {
  startMinute: number;
  endMinute: number;
}

export const DEFAULT_SHIFTS = '07:00-19:00,19:00-07:00';

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Parses `SHIFTS` ("07:00-19:00,19:00-07:00"): the shifts must tile the whole day, each starting where
 * the previous one ends, so every moment belongs to exactly one shift (AS1). Answers the patterns sorted
 * by start, or a sentence naming what is wrong.
 */
export function parseShifts(
  text: string,
): { ok: true; shifts: ShiftPattern[] } | { ok: false; problem: string } {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0)
    return { ok: false, problem: 'SHIFTS names no shift (e.g. 07:00-19:00,19:00-07:00).' };
  const shifts: ShiftPattern[] = [];
  for (const part of parts) {
    const [from, to, extra] = part.split('-').map((s) => s.trim());
    const start = from ? CLOCK_TIME.exec(from) : null;
    const end = to ? CLOCK_TIME.exec(to) : null;
    if (!start || !end || extra !== undefined)
      return { ok: false, problem: `SHIFTS: "${part}" is not a shift like 07:00-19:00.` };
    const startMinute = Number(start[1]) * 60 + Number(start[2]);
    const endMinute = Number(end[1]) * 60 + Number(end[2]);
    if (startMinute === endMinute) return { ok: false, problem: `SHIFTS: "${part}" has no length.` };
    shifts.push({ startMinute, endMinute });
  }
  shifts.sort((a, b) => a.startMinute - b.startMinute);
  for (let i = 0; i < shifts.length; i++) {
    const next = shifts[(i + 1) % shifts.length]!;
    if (shifts[i]!.endMinute !== next.startMinute)
      return {
        ok: false,
        problem: `SHIFTS must cover the whole day, each shift starting where the previous one ends (${hhmm(shifts[i]!.endMinute)} is followed by ${hhmm(next.startMinute)}).`,
      };
  }
  return { ok: true, shifts };
}

/** The shift `at` falls in, in `timeZone`: its stable id, label and the instants it starts and ends. */
export function shiftAt(at: Date, patterns: readonly ShiftPattern[], timeZone: string): Shift {
  const local = wallClock(at, timeZone);
  const minute = local.hour * 60 + local.minute;
  // The shift whose start is the latest one not after now; before the first start of the day, the
  // last shift that began yesterday (a night shift spanning midnight).
  let index = -1;
  for (let i = 0; i < patterns.length; i++) if (patterns[i]!.startMinute <= minute) index = i;
  let day = { year: local.year, month: local.month, day: local.day };
  if (index === -1) {
    index = patterns.length - 1;
    day = addDays(day, -1);
  }
  const pattern = patterns[index]!;
  const endDay = pattern.endMinute <= pattern.startMinute ? addDays(day, 1) : day;
  const startsAt = instantOf(day, pattern.startMinute, timeZone);
  let endsAt = instantOf(endDay, pattern.endMinute, timeZone);
  // A wall-clock end that does not exist or repeats (DST) must still be after the start.
  if (endsAt <= startsAt) endsAt = new Date(startsAt.getTime() + 60_000);
  return {
    id: `${ymd(day)}T${hhmm(pattern.startMinute)}`,
    label: `${labelOf(pattern)} ${hhmm(pattern.startMinute)}–${hhmm(pattern.endMinute)}`,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
  };
}

/** The shift before `shift` (the one that ended when it began). */
export function previousShift(shift: Shift, patterns: readonly ShiftPattern[], timeZone: string): Shift {
  return shiftAt(new Date(Date.parse(shift.startsAt) - 1), patterns, timeZone);
}

/** Shifts starting between 04:00 and 15:59 are day shifts; the rest are nights ("Day", "Night"). */
function labelOf(pattern: ShiftPattern): string {
  return pattern.startMinute >= 4 * 60 && pattern.startMinute < 16 * 60 ? 'Day' : 'Night';
}

interface LocalDay {
  year: number;
  month: number;
  day: number;
}

function wallClock(at: Date, timeZone: string): LocalDay & { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
  };
}

/** Offset of `timeZone` from UTC at `at`, in ms (positive east of Greenwich). */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(new Date(at), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  return asUtc - Math.floor(at / 60_000) * 60_000;
}

/**
 * The instant a local wall-clock time names. Around a DST change the offset is looked up twice, so a
 * time in the spring-forward gap lands just after it and a repeated autumn hour takes its first pass.
 */
function instantOf(day: LocalDay, minute: number, timeZone: string): Date {
  const wall = Date.UTC(day.year, day.month - 1, day.day, 0, minute);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return new Date(Math.min(first, second));
}

function addDays(day: LocalDay, days: number): LocalDay {
  const d = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function ymd(day: LocalDay): string {
  return `${day.year}-${pad(day.month)}-${pad(day.day)}`;
}

function hhmm(minute: number): string {
  return `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------------
// Beds (AS2)

/**
 * Beds in ward order: "4W-2" before "4W-10". Numbers inside names compare as numbers, so a unit whose
 * beds are not zero-padded still reads in order.
 */
export function sortBeds(beds: Iterable<string>): string[] {
  return [...new Set(beds)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Expands "4W-01..4W-06" (or "4W-01..06") into the beds between, keeping the padding. */
export function expandBedRange(range: string): string[] {
  const [from, to] = range.split('..').map((s) => s.trim());
  if (!from || to === undefined) return [range.trim()];
  const head = /^(.*?)(\d+)$/.exec(from);
  const tail = /^(.*?)(\d+)$/.exec(to);
  if (!head || !tail) return [from];
  const [, prefix, startText] = head as unknown as [string, string, string];
  const endText = tail[2]!;
  if (tail[1] !== '' && tail[1] !== prefix) return [from, to];
  const start = Number(startText);
  const end = Number(endText);
  if (end < start || end - start > 500) return [from];
  const beds: string[] = [];
  for (let n = start; n <= end; n++) beds.push(`${prefix}${String(n).padStart(startText.length, '0')}`);
  return beds;
}

// ---------------------------------------------------------------------------------------------------
// Who may assign (AS4–AS7)

export type AssignDecision =
  { ok: true; source: 'charge' | 'self' } | { ok: false; code: AssignRejectionCode; message: string };

/**
 * Whether `actor` may give `beds` to `nurseId` (null = unassign), given who holds them now. The charge
 * nurse (or supervisor) of the unit may assign and unassign any bed and overrides whoever holds it
 * (AS5); a nurse may only take unassigned beds for herself or give back her own (AS6); anyone else, or
 * anyone off the unit, is refused without learning anything about the unit's beds (AS4).
 */
export function decideAssignment(
  actor: Principal,
  command: Pick<AssignBedsCommand, 'unit' | 'beds' | 'nurseId'>,
  holders: ReadonlyMap<string, BedAssignment>,
  timeZone: string,
): AssignDecision {
  const unit = command.unit;
  if (!isMemberOf(actor, unit) || !hasRole(actor, 'Nurse', 'ChargeNurse', 'Supervisor'))
    return {
      ok: false,
      code: 'forbidden',
      message: `You can assign beds on ${unit} only as a member of ${unit}.`,
    };
  if (leadsAssignments(actor)) return { ok: true, source: 'charge' };
  if (command.nurseId !== null && command.nurseId !== actor.id)
    return {
      ok: false,
      code: 'forbidden',
      message: `Only the charge nurse can assign beds to someone else; you can take unassigned beds yourself.`,
    };
  for (const bed of command.beds) {
    const holder = holders.get(bed)?.nurse ?? null;
    const held = holders.get(bed);
    if (command.nurseId === null) {
      if (holder && holder.id !== actor.id)
        return {
          ok: false,
          code: 'forbidden',
          message: `${bed} is assigned to ${holder.name}; only the charge nurse can unassign it.`,
        };
      continue;
    }
    if (holder && holder.id !== actor.id && held)
      return { ok: false, code: 'conflict', message: clashMessage(held, timeZone) };
  }
  return { ok: true, source: 'self' };
}

/** Charge nurses and supervisors run the unit's assignment board. */
export function leadsAssignments(actor: Pick<Principal, 'roles'>): boolean {
  return hasRole(actor, 'ChargeNurse', 'Supervisor');
}

/** "4W-03 is already assigned to D. Brightwater (by M. Charge at 14:02)." */
export function clashMessage(held: BedAssignment, timeZone: string): string {
  const by = held.assignedBy && held.assignedBy.id !== held.nurse?.id ? `by ${held.assignedBy.name} ` : '';
  const at = held.assignedAt ? `at ${clock(held.assignedAt, timeZone)}` : '';
  const when = `${by}${at}`.trim();
  return `${held.bed} is already assigned to ${held.nurse?.name ?? 'someone'}${when ? ` (${when})` : ''}.`;
}

export const SHIFT_CLOSED_MESSAGE = 'That shift has ended; beds start unassigned each shift.';

function clock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

// ---------------------------------------------------------------------------------------------------
// Routing (AS10–AS12)

/** Roles whose work follows the bed's assigned nurse: work routed to nurses. */
export function routedToNurses(task: Pick<Task, 'candidateRoles'>): boolean {
  return task.candidateRoles.includes('Nurse');
}

/** The history reason of an ownership change Wardline makes for a bed's nurse ("Assigned nurse for 4W-03"). */
export function assignedNurseReason(bed: string): string {
  return `Assigned nurse for ${bed}`;
}

/** Open work that has not been started: it follows its bed to a new nurse (AS12). */
export function isUnstarted(task: Pick<Task, 'status'>): boolean {
  return task.status === 'requested' || task.status === 'accepted';
}

/** What an ownership change for a bed's nurse did to one task: the new state and how it is recorded. */
export interface BedFollow {
  task: Task;
  change: 'assigned-nurse' | 'handover-offered';
  detail: string;
  upstream: 'claimed' | 'handover.offered';
}

function ownedByNurse(task: Task, nurse: StaffRef, now: string): Task {
  return {
    ...task,
    owner: nurse,
    claimedAt: now,
    status: task.status === 'requested' ? 'accepted' : task.status,
    handover: null,
    version: task.version + 1,
    updatedAt: now,
  };
}

/**
 * A new task for a bed with a nurse this shift is hers when it arrives (AS10), if it is routed to
 * nurses and nobody owns it yet. Null when it stays in the unit queue.
 */
export function routeToAssignedNurse(task: Task, nurse: StaffRef | null, now: string): BedFollow | null {
  const bed = task.patient?.bed;
  if (!nurse || !bed || task.owner !== null || !routedToNurses(task) || isClosed(task)) return null;
  return {
    task: ownedByNurse(task, nurse, now),
    change: 'assigned-nurse',
    detail: assignedNurseReason(bed),
    upstream: 'claimed',
  };
}

/**
 * A bed got a new nurse (AS12): its open, unstarted work that was in the queue or with the bed's
 * previous nurse moves to her; work the previous nurse has started stays hers and is offered to the
 * new nurse through the handover flow (AS16), so it changes hands only when she accepts.
 */
export function followBed(
  task: Task,
  bed: string,
  previousNurse: StaffRef | null,
  nurse: StaffRef,
  now: string,
): BedFollow | null {
  if (isClosed(task) || !routedToNurses(task) || task.patient?.bed !== bed) return null;
  if (task.owner?.id === nurse.id) return null;
  const heldByPrevious = task.owner !== null && task.owner.id === previousNurse?.id;
  if (isUnstarted(task) && (task.owner === null || heldByPrevious))
    return {
      task: ownedByNurse(task, nurse, now),
      change: 'assigned-nurse',
      detail: assignedNurseReason(bed),
      upstream: 'claimed',
    };
  if (heldByPrevious && task.owner && task.handover === null)
    return {
      task: {
        ...task,
        handover: {
          from: task.owner,
          to: nurse,
          offeredAt: now,
          note: { text: `${bed} is assigned to you now.` },
          alertedAt: null,
        },
        version: task.version + 1,
        updatedAt: now,
      },
      change: 'handover-offered',
      detail: assignedNurseReason(bed),
      upstream: 'handover.offered',
    };
  return null;
}
