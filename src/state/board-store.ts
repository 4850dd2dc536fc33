import { create } from 'zustand';
import type { AssignBedsCommand, Principal, Task, UnitAssignments } from '../domain';

/**
 * The bed boards of the person's units as the device holds them (Dexie `boards`), with the bed actions
 * not yet answered (`bedOutbox`), mirrored here by the workspace so any row can ask "is this my
 * patient?" without a Dexie query of its own. Patient-free: beds and staff names only.
 */
interface BoardState {
  boards: UnitAssignments[];
  pending: AssignBedsCommand[];
  set(boards: UnitAssignments[], pending: AssignBedsCommand[]): void;
}

export const useBoards = create<BoardState>((set) => ({
  boards: [],
  pending: [],
  set: (boards, pending) => set({ boards, pending }),
}));

/**
 * A board with this device's unanswered bed actions laid over it [A-P3]: what the screen shows. Taking
 * shows the nurse's own name at once; the relay's answer replaces the board and removes the row together.
 */
export function withPending(
  board: UnitAssignments,
  pending: readonly AssignBedsCommand[],
  nurses: ReadonlyMap<string, string>,
): UnitAssignments & { pendingBeds: Set<string> } {
  const pendingBeds = new Set<string>();
  const beds = board.beds.map((b) => ({ ...b }));
  for (const command of pending) {
    if (command.unit !== board.unit || command.shiftId !== board.shift.id) continue;
    for (const bed of beds) {
      if (!command.beds.includes(bed.bed)) continue;
      pendingBeds.add(bed.bed);
      bed.nurse = command.nurseId
        ? { id: command.nurseId, name: nurses.get(command.nurseId) ?? command.nurseId }
        : null;
    }
  }
  return { ...board, beds, pendingBeds };
}

/** "unit bed" keys of the beds assigned to `me` on boards whose shift has not ended at `now`. */
export function myBedKeys(boards: readonly UnitAssignments[], me: Pick<Principal, 'id'>, now: number) {
  const keys = new Set<string>();
  for (const board of boards) {
    if (Date.parse(board.shift.endsAt) <= now) continue;
    for (const b of board.beds) if (b.nurse?.id === me.id) keys.add(`${board.unit} ${b.bed}`);
  }
  return keys;
}

/** [A-P2] A task whose bed is one of my beds this shift: "Your patient". */
export function isMyPatient(task: Pick<Task, 'unit' | 'patient'>, myBeds: ReadonlySet<string>): boolean {
  const bed = task.patient?.bed;
  return bed != null && myBeds.has(`${task.unit} ${bed}`);
}
