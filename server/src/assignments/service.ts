import {
  AssignBedsCommand,
  explainIssues,
  isMemberOf,
  previousShift,
  shiftAt,
  sortBeds,
  type AssignBedsResult,
  type BedAssignment,
  type Principal,
  type Shift,
  type StaffRef,
  type Task,
  type UnitAssignments,
} from '../../../src/domain';
import type { Clock } from '../escalation/clock';
import type { Logger } from '../log';
import { bedKey } from '../store/assignment-steps';
import type { WorklistStore } from '../store/contract';
import type { AssignmentConfig } from './config';

/** A unit's beds as the coverage warning lists them (docs/ASSIGNMENTS.md AS17). */
export interface BedCoverage {
  unit: string;
  /** Beds with no nurse this shift. */
  unassigned: string[];
  /** Beds whose assignment ended at the last shift change and nobody has again (AS9). */
  ended: string[];
  /** Beds whose nurse has no live connection and no push device: her alerts would reach nobody (AS13). */
  unreachable: string[];
}

export interface AssignmentServiceDeps {
  store: WorklistStore;
  clock: Clock;
  logger: Logger;
  timeZone: string;
  config: AssignmentConfig;
  lookupStaff: (tenantId: string, id: string) => Promise<Principal | null>;
  /** Sends a unit's board to every live connection of its members (`assignmentsChanged`). */
  publish: (board: UnitAssignments) => void;
  /** Units someone is connected to now: their boards are pushed at a shift change. */
  liveUnits: () => string[];
  /** Who of these people can be alerted now (a live connection or a device subscribed to pushes). */
  reachable: (staffIds: readonly string[]) => Promise<ReadonlySet<string>>;
}

/** Timers longer than this wake early and re-check (a wall-clock change, a long shift). */
const MAX_WAIT_MS = 60 * 60 * 1000;

/**
 * Patient assignments on the relay: the unit boards for the current shift, the assignBeds command
 * (through the store's one transaction), who a bed's nurse is for routing and escalation, and the
 * shift change that ends every assignment (docs/ASSIGNMENTS.md).
 */
export class AssignmentService {
  private timer: unknown = null;
  private shiftId: string | null = null;
  private readonly assigned = new Set<(unit: string) => void>();

  constructor(private readonly deps: AssignmentServiceDeps) {}

  currentShift(): Shift {
    return shiftAt(this.deps.clock.now(), this.deps.config.shifts, this.deps.timeZone);
  }

  /** AS3: every bed of the unit with its nurse this shift, and beds whose assignment just ended. */
  async board(unit: string, shift = this.currentShift()): Promise<UnitAssignments> {
    const { store, config, timeZone } = this.deps;
    const before = previousShift(shift, config.shifts, timeZone);
    const [now, previous, open] = await Promise.all([
      store.bedAssignments(unit, shift.id),
      store.bedAssignments(unit, before.id),
      store.openTasksOfUnits([unit]),
    ]);
    const assigned = new Map(now.map((a) => [a.bed, a]));
    // AS2: the configured beds, every bed seen on the unit's open work, and any bed on the boards.
    const beds = sortBeds([
      ...(config.unitBeds[unit] ?? []),
      ...open.flatMap((t) => (t.patient?.bed ? [t.patient.bed] : [])),
      ...now.map((a) => a.bed),
      ...previous.map((a) => a.bed),
    ]);
    return {
      unit,
      shift,
      beds: beds.map((bed): BedAssignment => assigned.get(bed) ?? unassigned(bed)),
      endedUnassigned: sortBeds(previous.map((a) => a.bed).filter((bed) => !assigned.has(bed))),
    };
  }

  /** AS4–AS8: one assignBeds command, answered like `execute` (a repeat gets the first answer). */
  async assign(input: unknown, actor: Principal): Promise<AssignBedsResult> {
    const parsed = AssignBedsCommand.safeParse(input);
    if (!parsed.success)
      return {
        status: 'rejected',
        code: 'invalid',
        message: `The assignment is not well formed: ${explainIssues(parsed.error.issues, 'command')}`,
        assignments: null,
      };
    const command = parsed.data;
    const nurse =
      command.nurseId === null
        ? null
        : command.nurseId === actor.id
          ? actor
          : await this.deps.lookupStaff(actor.tenantId, command.nurseId);
    const shift = this.currentShift();
    const outcome = await this.deps.store.assignBeds({ command, actor, nurse, shift });
    this.deps.logger.info(
      {
        commandId: command.commandId,
        unit: command.unit,
        beds: command.beds.length,
        staffId: actor.id,
        status: outcome.status,
        ...(outcome.code ? { code: outcome.code } : {}),
        moved: outcome.moved.length,
      },
      'beds assigned',
    );
    // AS4: only a member of the unit sees its board, in an answer as anywhere else.
    const board = isMemberOf(actor, command.unit) ? await this.board(command.unit, shift) : null;
    if (outcome.status === 'applied' && board) this.deps.publish(board);
    // The other relays of a cluster publish it to their own connections (hub/cross-relay.ts).
    if (outcome.status === 'applied') for (const listener of this.assigned) listener(command.unit);
    const { moved: _moved, ...answer } = outcome;
    return { ...answer, assignments: board };
  }

  /** Called after a command changed a unit's board on this relay. */
  onAssigned(listener: (unit: string) => void): () => void {
    this.assigned.add(listener);
    return () => this.assigned.delete(listener);
  }

  /** Another relay changed the unit's board: its members connected here see the new one (AS3). */
  async changedElsewhere(unit: string, anyMemberHere: boolean): Promise<void> {
    if (anyMemberHere) this.deps.publish(await this.board(unit));
  }

  /** The nurse assigned to the task's bed this shift, or null. */
  async nurseFor(task: Pick<Task, 'unit' | 'patient'>): Promise<StaffRef | null> {
    const bed = task.patient?.bed;
    if (!bed) return null;
    const assigned = await this.deps.store.bedAssignments(task.unit, this.currentShift().id);
    return assigned.find((a) => a.bed === bed)?.nurse ?? null;
  }

  /**
   * AS13: for each task, its bed's nurse if an alert can reach her now (a live connection or a push
   * device), else null. One read of the boards and one of the devices for the whole list: the
   * escalation scheduler asks once per round, not once per task (an arrival burst is hundreds).
   */
  async reachableNursesFor(tasks: readonly Task[]): Promise<Map<string, StaffRef | null>> {
    const units = [...new Set(tasks.filter((t) => t.patient?.bed).map((t) => t.unit))];
    const beds = await this.deps.store.bedNurses(units, this.currentShift().id);
    const nurseOf = (t: Task) => (t.patient?.bed ? (beds.get(bedKey(t.unit, t.patient.bed)) ?? null) : null);
    const candidates = [...new Set(tasks.flatMap((t) => nurseOf(t)?.id ?? []))];
    const reachable = candidates.length > 0 ? await this.deps.reachable(candidates) : new Set<string>();
    return new Map(
      tasks.map((t) => {
        const nurse = nurseOf(t);
        return [t.id, nurse && reachable.has(nurse.id) ? nurse : null];
      }),
    );
  }

  /** AS17: for the coverage warning, per unit: beds without a nurse, ended, and with nobody reachable. */
  async coverage(units: readonly string[]): Promise<BedCoverage[]> {
    return Promise.all(
      units.map(async (unit) => {
        const board = await this.board(unit);
        const nurses = [...new Set(board.beds.flatMap((b) => b.nurse?.id ?? []))];
        const reach = nurses.length > 0 ? await this.deps.reachable(nurses) : new Set<string>();
        const unreachable = board.beds.filter((b) => b.nurse && !reach.has(b.nurse.id)).map((b) => b.bed);
        return {
          unit,
          unassigned: board.beds.filter((b) => b.nurse === null).map((b) => b.bed),
          ended: board.endedUnassigned,
          unreachable,
        };
      }),
    );
  }

  /** Starts watching for shift changes (AS8). */
  start(): void {
    this.shiftId = this.currentShift().id;
    this.schedule();
  }

  stop(): void {
    if (this.timer !== null) this.deps.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const { clock } = this.deps;
    const ends = Date.parse(this.currentShift().endsAt);
    const wait = Math.max(0, Math.min(MAX_WAIT_MS, ends - clock.now().getTime()));
    this.timer = clock.setTimer(() => this.tick(), wait);
  }

  /** AS8/AS9: a new shift begins with every bed unassigned; every live member sees the new board. */
  private async tick(): Promise<void> {
    this.timer = null;
    const shift = this.currentShift();
    if (shift.id !== this.shiftId) {
      this.shiftId = shift.id;
      const units = new Set([...Object.keys(this.deps.config.unitBeds), ...this.deps.liveUnits()]);
      for (const unit of units) {
        try {
          this.deps.publish(await this.board(unit, shift));
        } catch (error) {
          this.deps.logger.warn(
            { unit, err: { name: (error as Error).name } },
            'assignments at shift change not pushed',
          );
        }
      }
      this.deps.logger.info({ shiftId: shift.id, units: units.size }, 'shift changed');
    }
    this.schedule();
  }
}

function unassigned(bed: string): BedAssignment {
  return { bed, nurse: null, assignedBy: null, assignedAt: null, source: null };
}
