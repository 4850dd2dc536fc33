import './your-patient.css';
import { useNow } from '../../app/clock';
import { useSession } from '../../app/session';
import type { Task, UnitAssignments } from '../../domain';
import { isMyPatient, myBedKeys, useBoards } from '../../state/board-store';

/**
 * The last answer, shared by every row: a 5,000-task list renders this tag per row, and the set only
 * changes when the boards, the person or the quarter-minute clock do.
 */
let last: { boards: UnitAssignments[]; id: string; now: number; keys: ReadonlySet<string> } | null = null;

function myBeds(boards: UnitAssignments[], id: string, now: number): ReadonlySet<string> {
  if (last && last.boards === boards && last.id === id && last.now === now) return last.keys;
  last = { boards, id, now, keys: myBedKeys(boards, { id }, now) };
  return last.keys;
}

/** The beds assigned to me this shift, as "unit bed" keys, from the device's stored boards. */
export function useMyBeds(): ReadonlySet<string> {
  const { me } = useSession();
  const boards = useBoards((s) => s.boards);
  const now = useNow();
  return myBeds(boards, me.id, now);
}

/** [A-P2] "Your patient" on a task whose bed is one of my beds this shift (rows, cards, the task panel). */
export function YourPatientTag({ task }: { task: Pick<Task, 'unit' | 'patient'> }) {
  const mine = useMyBeds();
  if (!isMyPatient(task, mine)) return null;
  return <span className="badge your-patient">Your patient</span>;
}
