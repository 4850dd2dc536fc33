import {
  createContext,
  startTransition,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { liveQuery } from 'dexie';
import { applyPending, type ActionType, type Command, type Task } from '../domain';
import { readCursor } from '../data/db';
import { useConnection } from '../state/connection-store';
import { usePending } from '../state/pending-store';
import type { Workspace } from './workspace';

export type Session = Workspace;

const SessionContext = createContext<Session | null>(null);

interface TaskIndex {
  /** Undefined until the device database has answered once. */
  list: Task[] | undefined;
  byId: Map<string, Task>;
}

const TasksContext = createContext<TaskIndex>({ list: undefined, byId: new Map() });

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/**
 * Provides the signed-in person's workspace and their worklist. The worklist is read from Dexie by one
 * live query for the whole app (not one per view), with the person's unconfirmed actions replayed on
 * top (STYLE #6: an overlay, never edits to confirmed rows).
 */
export function SessionProvider({ workspace, children }: { workspace: Workspace; children: ReactNode }) {
  const { me } = workspace;
  const confirmed = useWorklistRows(workspace);
  const pending = usePending((s) => s.pending);
  const confirmedAt = usePending((s) => s.confirmedAt);
  const confirmedById = useMemo(() => new Map(confirmed?.map((t) => [t.id, t])), [confirmed]);
  // An action the relay applied leaves the overlay once the device's copy has caught up with it.
  const caughtUp = useCallback(
    (command: Command) => {
      const seq = confirmedAt[command.commandId];
      // A task no longer on the device (it left the caller's view) has nothing left to overlay.
      return seq !== undefined && (confirmedById.get(command.taskId)?.seq ?? Infinity) >= seq;
    },
    [confirmedAt, confirmedById],
  );
  const index = useMemo<TaskIndex>(() => {
    if (!confirmed) return { list: undefined, byId: new Map() };
    const live = pending.filter((c) => !caughtUp(c));
    const touched = new Set(live.map((c) => c.taskId));
    const overlay = live.map((command) => ({ command }));
    const list = touched.size
      ? confirmed.map((task) => (touched.has(task.id) ? applyPending(task, overlay, me) : task))
      : confirmed;
    return { list, byId: new Map(list.map((t) => [t.id, t])) };
  }, [confirmed, pending, caughtUp, me]);
  useEffect(() => {
    for (const command of pending) if (caughtUp(command)) usePending.getState().settle(command.commandId);
  }, [pending, caughtUp]);
  return (
    <SessionContext.Provider value={workspace}>
      <TasksContext.Provider value={index}>{children}</TasksContext.Provider>
    </SessionContext.Provider>
  );
}

/**
 * Every task on the device, re-read whenever the table changes. The new list is handed to React as a
 * transition, so rendering a 5,000-task worklist yields to taps and scrolling instead of blocking
 * them (no long task on a busy unit), while the previous list stays on screen until it is ready.
 */
function useWorklistRows({ db }: Workspace): Task[] | undefined {
  const [rows, setRows] = useState<Task[] | undefined>(undefined);
  const firstSyncDone = useConnection((s) => s.lastSyncedAt !== null);
  const [fresh, setFresh] = useState<boolean | null>(null);
  useEffect(() => {
    let cancelled = false;
    readCursor(db).then(
      (cursor) => !cancelled && setFresh(cursor === 0),
      () => !cancelled && setFresh(false),
    );
    return () => {
      cancelled = true;
    };
  }, [db]);
  // A fresh device waits for its first full sync before reading the list: reading and rendering a
  // growing list after every sync page would cost five reads of up to 5,000 tasks for one screen.
  const ready = fresh === false || (fresh === true && firstSyncDone);
  useEffect(() => {
    if (!ready) return;
    const subscription = liveQuery(() => db.tasks.toArray()).subscribe({
      next: (list) => startTransition(() => setRows(list)),
      // A closed database (sign-out) ends the query; nothing to show the person.
      error: () => undefined,
    });
    return () => subscription.unsubscribe();
  }, [db, ready]);
  return rows;
}

/** The caller's worklist as the screen shows it: confirmed tasks with pending actions applied on top. */
export function useTasks(): Task[] | undefined {
  return useContext(TasksContext).list;
}

/** One task as the screen shows it; undefined while loading, null when it is not on this device. */
export function useTask(id: string | undefined): Task | null | undefined {
  const { list, byId } = useContext(TasksContext);
  if (!list) return undefined;
  return (id && byId.get(id)) || null;
}

/** Ids of tasks with an action on its way to the relay (a "sending" mark on their rows). */
export function usePendingTaskIds(): Set<string> {
  const pending = usePending((s) => s.pending);
  return useMemo(() => new Set(pending.map((c) => c.taskId)), [pending]);
}

export type Execute = (taskId: string, type: ActionType, payload?: unknown) => Promise<void>;

/**
 * Performs a staff action: applied at once on screen (optimistic overlay), then confirmed or reverted
 * with the relay's reason in words a nurse understands. The one seam for actions: the offline outbox
 * (issue #6) replaces the body of this hook, not its callers.
 */
export function useExecute(): Execute {
  const { engine } = useSession();
  return useCallback(
    async (taskId, type, payload) => {
      const command: Command = {
        commandId: crypto.randomUUID(),
        taskId,
        type,
        payload,
        issuedAt: new Date().toISOString(),
      };
      const store = usePending.getState();
      store.add(command);
      try {
        const result = await engine.execute(command);
        const refused =
          result.status === 'rejected' || (result.status === 'duplicate' && result.original === 'rejected');
        if (refused) {
          store.notify({
            id: command.commandId,
            taskId,
            message: result.message ?? 'Wardline refused this action.',
            at: new Date().toISOString(),
          });
        }
        // Applied: keep it on screen until the device's copy shows it (see SessionProvider).
        if (!refused && result.task) store.confirm(command.commandId, result.task.seq);
        else store.settle(command.commandId);
      } catch {
        store.settle(command.commandId);
        store.notify({
          id: command.commandId,
          taskId,
          message: 'Not sent: the connection to Wardline is down. Try again when it is back.',
          at: new Date().toISOString(),
        });
      }
    },
    [engine],
  );
}
