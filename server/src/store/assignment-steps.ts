/**
 * The statements of patient assignments (docs/ASSIGNMENTS.md), each run inside the transaction it is
 * given: the bed board of a unit and shift, the audit, the command ledger, and the tasks that follow a
 * bed to its new nurse. Portable SQL, `?` placeholders (docs/STORE.md).
 */
import {
  SYSTEM,
  decideAssignment,
  followBed,
  hasRole,
  isMemberOf,
  SHIFT_CLOSED_MESSAGE,
  type AssignBedsCommand,
  type AssignmentSource,
  type AssignRejectionCode,
  type BedAssignment,
  type Principal,
  type Shift,
  type StaffRef,
  type Task,
} from '../../../src/domain';
import { withNextEscalation } from '../escalation/schedule';
import type { EscalationPolicy } from '../../../src/domain';
import type { CommittedChange } from './contract';
import type { SqlRunner, Transaction } from './engine';
import { taskFromRow, type TaskRow } from './rows';
import { putOutbox, TASK_COLUMNS, writeChange } from './transaction-steps';
import { upstreamEvent } from './upstream';

export interface AssignBedsRequest {
  command: AssignBedsCommand;
  actor: Principal;
  /** The person `command.nurseId` names, as the staff directory knows them; null if unknown or unassigning. */
  nurse: Principal | null;
  /** The shift now: a command made for another one is refused as `closed` (AS8). */
  shift: Shift;
}

export interface AssignBedsOutcome {
  status: 'applied' | 'duplicate' | 'rejected';
  code?: AssignRejectionCode;
  message?: string;
  original?: 'applied' | 'rejected';
  /** Task changes the assignment made (work following its bed, AS12), committed with it. */
  moved: CommittedChange[];
}

/** One row of the assignment audit (AS15): who gave which bed to whom, when. */
export interface AssignmentAuditEntry {
  commandId: string;
  unit: string;
  shiftId: string;
  bed: string;
  nurse: StaffRef | null;
  previous: StaffRef | null;
  by: StaffRef;
  source: AssignmentSource;
  at: string;
}

interface AssignmentRow {
  bed: string;
  nurse_id: string;
  nurse_name: string;
  assigned_by_id: string;
  assigned_by_name: string;
  assigned_at: string;
  source: string;
}

const ASSIGNMENT_COLUMNS = 'bed, nurse_id, nurse_name, assigned_by_id, assigned_by_name, assigned_at, source';

function assignmentOfRow(row: AssignmentRow): BedAssignment {
  return {
    bed: row.bed,
    nurse: { id: row.nurse_id, name: row.nurse_name },
    assignedBy: { id: row.assigned_by_id, name: row.assigned_by_name },
    assignedAt: row.assigned_at,
    source: row.source as AssignmentSource,
  };
}

/** The assigned beds of a unit in a shift (unassigned beds have no row). */
export async function readAssignments(
  sql: Pick<SqlRunner, 'all'>,
  unit: string,
  shiftId: string,
  beds?: readonly string[],
): Promise<BedAssignment[]> {
  const only = beds && beds.length > 0 ? ` AND bed IN (${beds.map(() => '?').join(', ')})` : '';
  const rows = await sql.all<AssignmentRow>(
    `SELECT ${ASSIGNMENT_COLUMNS} FROM bed_assignments WHERE unit = ? AND shift_id = ?${only} ORDER BY bed`,
    [unit, shiftId, ...(beds ?? [])],
  );
  return rows.map(assignmentOfRow);
}

/**
 * The nurse of each (unit, bed) in a shift, in one query however many units (the escalation scheduler's
 * round asks for all its tasks at once, docs/STORE.md CL5). Keyed `<unit>\u0000<bed>`; unassigned beds are absent.
 */
export async function readBedNurses(
  sql: Pick<SqlRunner, 'all'>,
  units: readonly string[],
  shiftId: string,
): Promise<Map<string, StaffRef>> {
  const nurses = new Map<string, StaffRef>();
  if (units.length === 0) return nurses;
  const rows = await sql.all<{ unit: string; bed: string; nurse_id: string; nurse_name: string }>(
    `SELECT unit, bed, nurse_id, nurse_name FROM bed_assignments
     WHERE shift_id = ? AND unit IN (${units.map(() => '?').join(', ')})`,
    [shiftId, ...units],
  );
  for (const row of rows) nurses.set(bedKey(row.unit, row.bed), { id: row.nurse_id, name: row.nurse_name });
  return nurses;
}

/** The key of a bed in `readBedNurses`' answer. */
export function bedKey(unit: string, bed: string): string {
  return `${unit}\u0000${bed}`;
}

export async function readAudit(sql: Pick<SqlRunner, 'all'>, unit: string): Promise<AssignmentAuditEntry[]> {
  const rows = await sql.all<{
    command_id: string;
    unit: string;
    shift_id: string;
    bed: string;
    nurse_id: string | null;
    nurse_name: string | null;
    previous_nurse_id: string | null;
    previous_nurse_name: string | null;
    by_id: string;
    by_name: string;
    source: string;
    at: string;
  }>(
    `SELECT command_id, unit, shift_id, bed, nurse_id, nurse_name, previous_nurse_id, previous_nurse_name, by_id, by_name, source, at
     FROM assignment_audit WHERE unit = ? ORDER BY unit_seq`,
    [unit],
  );
  return rows.map((r) => ({
    commandId: r.command_id,
    unit: r.unit,
    shiftId: r.shift_id,
    bed: r.bed,
    nurse: r.nurse_id ? { id: r.nurse_id, name: r.nurse_name ?? '' } : null,
    previous: r.previous_nurse_id ? { id: r.previous_nurse_id, name: r.previous_nurse_name ?? '' } : null,
    by: { id: r.by_id, name: r.by_name },
    source: r.source as AssignmentSource,
    at: r.at,
  }));
}

/** Appends one audit row; the caller holds the unit's board lock, so `unit_seq` cannot collide. */
async function putAudit(
  tx: Transaction,
  row: {
    commandId: string;
    ord: number;
    unit: string;
    shiftId: string;
    bed: string;
    nurse: StaffRef | null;
    previous: StaffRef | null;
    by: StaffRef;
    source: AssignmentSource;
    at: string;
  },
): Promise<void> {
  await tx.run(
    `INSERT INTO assignment_audit (command_id, ord, unit_seq, unit, shift_id, bed, nurse_id, nurse_name, previous_nurse_id, previous_nurse_name, by_id, by_name, source, at)
     SELECT ?, CAST(? AS INTEGER), COALESCE(MAX(unit_seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM assignment_audit WHERE unit = ?`,
    [
      row.commandId,
      row.ord,
      row.unit,
      row.shiftId,
      row.bed,
      row.nurse?.id ?? null,
      row.nurse?.name ?? null,
      row.previous?.id ?? null,
      row.previous?.name ?? null,
      row.by.id,
      row.by.name,
      row.source,
      row.at,
      row.unit,
    ],
  );
}

type Stored = { status: 'applied' } | { status: 'rejected'; code: AssignRejectionCode; message: string };

/**
 * One assignBeds command, inside its transaction (AS4–AS8, AS12, AS15): the stored answer of a repeat,
 * else the decision, the board's new rows, the audit, the work that follows the beds, and the answer
 * kept for a repeat. The caller has locked the command id and the unit's board.
 */
export async function assignBedsIn(
  tx: Transaction,
  request: AssignBedsRequest,
  options: { now: string; timeZone: string; policies: readonly EscalationPolicy[] },
): Promise<AssignBedsOutcome> {
  const { command, actor, shift } = request;
  const { now } = options;
  const seen = await tx.get<{ actor_id: string; unit: string; result: string }>(
    'SELECT actor_id, unit, result FROM assignment_commands WHERE command_id = ?',
    [command.commandId],
  );
  if (seen) {
    if (seen.actor_id !== actor.id || seen.unit !== command.unit)
      return {
        status: 'rejected',
        code: 'invalid',
        message: 'This action id was already used for another action; send it again as a new action.',
        moved: [],
      };
    const original = JSON.parse(seen.result) as Stored;
    return {
      status: 'duplicate',
      original: original.status,
      ...(original.status === 'rejected' ? { code: original.code, message: original.message } : {}),
      moved: [],
    };
  }
  const holders = new Map(
    (await readAssignments(tx, command.unit, shift.id, command.beds)).map((a) => [a.bed, a]),
  );
  const stored = decide(request, holders, options.timeZone);
  await tx.run(
    'INSERT INTO assignment_commands (command_id, actor_id, unit, result, at) VALUES (?, ?, ?, ?, ?)',
    [command.commandId, actor.id, command.unit, JSON.stringify(stored.answer), now],
  );
  if (stored.answer.status === 'rejected') return { ...stored.answer, moved: [] };

  const by: StaffRef = { id: actor.id, name: actor.name };
  const nurse: StaffRef | null = request.nurse ? { id: request.nurse.id, name: request.nurse.name } : null;
  const changed: Array<{ bed: string; previous: StaffRef | null }> = [];
  for (const [ord, bed] of command.beds.entries()) {
    const previous = holders.get(bed)?.nurse ?? null;
    if ((previous?.id ?? null) === (nurse?.id ?? null)) continue;
    if (nurse) await putAssignment(tx, command.unit, shift.id, bed, nurse, by, stored.source, now);
    else
      await tx.run('DELETE FROM bed_assignments WHERE unit = ? AND shift_id = ? AND bed = ?', [
        command.unit,
        shift.id,
        bed,
      ]);
    await putAudit(tx, {
      commandId: command.commandId,
      ord,
      unit: command.unit,
      shiftId: shift.id,
      bed,
      nurse,
      previous,
      by,
      source: stored.source,
      at: now,
    });
    changed.push({ bed, previous });
  }
  const moved = nurse ? await followBeds(tx, command.unit, changed, nurse, options) : [];
  return { status: 'applied', moved };
}

function decide(
  request: AssignBedsRequest,
  holders: ReadonlyMap<string, BedAssignment>,
  timeZone: string,
): { answer: Stored; source: AssignmentSource } {
  const { command, actor, shift, nurse } = request;
  const reject = (code: AssignRejectionCode, message: string) => ({
    answer: { status: 'rejected' as const, code, message },
    source: 'self' as const,
  });
  const decision = decideAssignment(actor, command, holders, timeZone);
  // Someone off the unit hears "forbidden" whatever else is wrong: nothing about the unit leaks (AS4).
  if (!decision.ok && decision.code === 'forbidden') return reject(decision.code, decision.message);
  if (command.shiftId !== shift.id) return reject('closed', SHIFT_CLOSED_MESSAGE);
  if (!decision.ok) return reject(decision.code, decision.message);
  if (
    command.nurseId !== null &&
    (!nurse || !isMemberOf(nurse, command.unit) || !hasRole(nurse, 'Nurse', 'ChargeNurse'))
  )
    return reject('not-found', `Nobody with that id works as a nurse on ${command.unit}.`);
  return { answer: { status: 'applied' }, source: decision.source };
}

export async function putAssignment(
  tx: Transaction,
  unit: string,
  shiftId: string,
  bed: string,
  nurse: StaffRef,
  by: StaffRef,
  source: AssignmentSource,
  now: string,
): Promise<void> {
  await tx.run(
    `INSERT INTO bed_assignments (unit, shift_id, bed, nurse_id, nurse_name, assigned_by_id, assigned_by_name, assigned_at, source)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (unit, shift_id, bed) DO UPDATE SET nurse_id = excluded.nurse_id, nurse_name = excluded.nurse_name,
       assigned_by_id = excluded.assigned_by_id, assigned_by_name = excluded.assigned_by_name,
       assigned_at = excluded.assigned_at, source = excluded.source`,
    [unit, shiftId, bed, nurse.id, nurse.name, by.id, by.name, now, source],
  );
}

/** Open work of the changed beds follows them to the new nurse (AS12, AS16): one change per task. */
async function followBeds(
  tx: Transaction,
  unit: string,
  changed: ReadonlyArray<{ bed: string; previous: StaffRef | null }>,
  nurse: StaffRef,
  options: { now: string; policies: readonly EscalationPolicy[] },
): Promise<CommittedChange[]> {
  if (changed.length === 0) return [];
  const byBed = new Map(changed.map((c) => [c.bed, c.previous]));
  const open = async () =>
    (
      await tx.all<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE unit = ? AND status NOT IN ('completed', 'cancelled', 'failed') ORDER BY seq`,
        [unit],
      )
    )
      .map(taskFromRow)
      .filter((t) => t.patient?.bed != null && byBed.has(t.patient.bed));
  const candidates = await open();
  if (candidates.length === 0) return [];
  // Lock the tasks (after the board: the order every writer takes), sorted as a group of events sorts
  // them (ST15) so the two never wait for each other in a circle, then read them again as locked.
  await tx.lock(...candidates.map((t) => `task:${t.id}`).sort());
  const committed: CommittedChange[] = [];
  for (const task of await open()) {
    const bed = task.patient!.bed!;
    const follow = followBed(task, bed, byBed.get(bed) ?? null, nurse, options.now);
    if (!follow) continue;
    committed.push(await writeFollow(tx, task, follow, options));
  }
  return committed;
}

/** Writes one Wardline-made ownership change for a bed's nurse, with its outbox event. */
export async function writeFollow(
  tx: Transaction,
  previous: Task | null,
  follow: { task: Task; change: string; detail: string; upstream: 'claimed' | 'handover.offered' },
  options: { now: string; policies: readonly EscalationPolicy[] },
): Promise<CommittedChange> {
  const task = withNextEscalation(follow.task, options.policies, options.now);
  const committed = await writeChange(tx, previous, task, follow.change, SYSTEM, {
    at: options.now,
    detail: follow.detail,
  });
  await putOutbox(tx, upstreamEvent(follow.upstream, committed, SYSTEM, null, options.now), options.now);
  return committed;
}

/** Who the audit names for an assignment the EHR's care-team hint made (AS18). */
export const EHR: StaffRef = { id: 'ehr', name: 'EHR care team' };

/**
 * AS18: the EHR's care-team hint seeds the bed's assignment for the shift when the ward has not made
 * one (a charge nurse's or a nurse's own always wins), and only for someone the staff directory knows
 * as a nurse on the unit. Runs in the arrival's transaction, before routing (AS10).
 */
export async function seedFromEhr(
  tx: Transaction,
  hint: { unit: string; bed: string; nurseId: string; shiftId: string; eventId: string; now: string },
): Promise<void> {
  const [existing] = await readAssignments(tx, hint.unit, hint.shiftId, [hint.bed]);
  if (existing && (existing.source !== 'ehr' || existing.nurse?.id === hint.nurseId)) return;
  const staff = await tx.all<{ name: string; roles: string }>(
    `SELECT s.name, s.roles FROM staff s JOIN staff_units u ON u.tenant_id = s.tenant_id AND u.object_id = s.object_id
     WHERE s.object_id = ? AND u.unit = ?`,
    [hint.nurseId, hint.unit],
  );
  const known = staff.find((row) => row.roles.split(',').some((r) => r === 'Nurse' || r === 'ChargeNurse'));
  if (!known) return;
  const nurse: StaffRef = { id: hint.nurseId, name: known.name };
  await putAssignment(tx, hint.unit, hint.shiftId, hint.bed, nurse, EHR, 'ehr', hint.now);
  await putAudit(tx, {
    commandId: `event:${hint.eventId}`,
    ord: 0,
    unit: hint.unit,
    shiftId: hint.shiftId,
    bed: hint.bed,
    nurse,
    previous: existing?.nurse ?? null,
    by: EHR,
    source: 'ehr',
    at: hint.now,
  });
}
