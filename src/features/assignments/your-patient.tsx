import './your-patient.css';
import { useMemo } from 'react';
import { useNow } from '../../app/clock';
import { useSession } from '../../app/session';
import type { Task } from '../../domain';
import { isMyPatient, myBedKeys, useBoards } from '../../state/board-store';

/** The beds assigned to me this shift, as "unit bed" keys, from the device's stored boards. */
export function useMyBeds(): ReadonlySet<string> {
  const { me } = useSession();
  const boards = useBoards((s) => s.boards);
  const now = useNow();
  return useMemo(() => myBedKeys(boards, me, now), [boards, me, now]);
}

/** [A-P2] "Your patient" on a task whose bed is one of my beds this shift (rows, cards, the task panel). */
export function YourPatientTag({ task }: { task: Pick<Task, 'unit' | 'patient'> }) {
  const mine = useMyBeds();
  if (!isMyPatient(task, mine)) return null;
  return <span className="badge your-patient">Your patient</span>;
}
