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
import type { OutboxRow } from '../data/db';
import { keepUnchanged } from '../data/stored-tasks';
import { rememberedPrincipal } from '../data/colleague-memory';
import { enqueue } from '../data/outbox';
import { useConnection } from '../state/connection-store';
import { usePending } from '../state/pending-store';
import type { Workspace } from './workspace';
import { useBoards } from '../state/board-store';

export type Session = Workspace;

const SessionContext = createContext<Session | null>(null);

interface TaskIndex {
  /** Undefined until the device database has answered once. */
  list: Task[] | undefined;
  byId: Map<string, Task>;
  outbox: OutboxRow[];
}

const TasksContext = createContext<TaskIndex>({ list: undefined, byId: new Map(), outbox: [] });

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/**
 * Provides the signed-in person's workspace and their worklist. The worklist is read from Dexie by one
 * live query for the whole app (not one per view): the confirmed tasks and the outbox, read in one
 * transaction, with the person's unsent actions replayed on top [S3] (STYLE #6: an overlay, never edits
 * to confirmed rows). An answer from the relay changes a task and removes its outbox row in one
 * transaction, so the overlay and the confirmed row never disagree for a frame.
 */
export function SessionProvider({ workspace, children }: { workspace: Workspace; children: ReactNode }) {
  const { me } = workspace;
  const device = useDeviceRows(workspace);
  const justMade = usePending((s) => s.justMade);
  // Actions made in this tab that the last outbox read may not include yet (it began before they were
  // saved); a read that began after the save is authoritative, whether the row is still there or sent.
  const readAt = device?.readAt;
  const unseen = useMemo(() => {
    const kept = justMade.filter((j) => readAt === undefined || j.savedAt === null || j.savedAt >= readAt);
    // The same array when nothing was dropped: a re-read that changed nothing re-renders no view.
    return kept.length === justMade.length ? justMade : kept;
  }, [justMade, readAt]);
  const confirmed = device?.tasks;
  const stored = device?.outbox;
  const index = useMemo<TaskIndex>(() => {
    if (!confirmed || !stored) return { list: undefined, byId: new Map(), outbox: [] };
    const inOutbox = new Set(stored.map((row) => row.command.commandId));
    const outbox = [
      ...stored,
      ...unseen
        .filter((j) => !inOutbox.has(j.command.commandId))
        .map((j): OutboxRow => ({ command: j.command, baseSeq: null, attempts: 0, lastError: null })),
    ];
    if (outbox.length === 0)
      return { list: confirmed, byId: new Map(confirmed.map((t) => [t.id, t])), outbox };
    const touched = new Set(outbox.map((row) => row.command.taskId));
    // An offer or reassignment shows at once when this page has seen the colleague it names (S14).
    const list = confirmed.map((task) =>
      touched.has(task.id) ? applyPending(task, outbox, me, undefined, rememberedPrincipal) : task,
    );
    return { list, byId: new Map(list.map((t) => [t.id, t])), outbox };
  }, [confirmed, stored, unseen, me]);
  useEffect(() => {
    if (unseen.length === justMade.length) return;
    const seen = new Set(unseen.map((j) => j.command.commandId));
    usePending
      .getState()
      .forget(justMade.filter((j) => !seen.has(j.command.commandId)).map((j) => j.command.commandId));
  }, [unseen, justMade]);
  return (
    <SessionContext.Provider value={workspace}>
      <TasksContext.Provider value={index}>{children}</TasksContext.Provider>
    </SessionContext.Provider>
  );
}

interface DeviceRows {
  /** `performance.now()` when this read began. */
  readAt: number;
  tasks: Task[];
  /** Unsent actions, oldest first. */
  outbox: OutboxRow[];
}

/**
 * Every task on the device and the outbox, re-read whenever either table changes (in this tab or, through
 * Dexie's cross-tab events, another). The new rows are handed to React as a transition, so rendering a
 * 5,000-task worklist yields to taps and scrolling instead of blocking them, while the previous list
 * stays on screen until it is ready. A re-read keeps the previous read's objects for the tasks it did not
 * change (same id and `seq`), and its arrays when nothing changed, so the views re-render only for what did.
 */
function useDeviceRows({ db, engine }: Workspace): DeviceRows | undefined {
  const [rows, setRows] = useState<DeviceRows | undefined>(undefined);
  const firstSyncDone = useConnection((s) => s.lastSyncedAt !== null);
  const [fresh, setFresh] = useState<boolean | null>(null);
  useEffect(() => {
    let cancelled = false;
    void engine.startsFresh.then((startsFresh) => !cancelled && setFresh(startsFresh));
    return () => {
      cancelled = true;
    };
  }, [engine]);
  // A fresh device waits for its first full sync before reading the list: reading and rendering a
  // growing list after every sync page would cost five reads of up to 5,000 tasks for one screen.
  const ready = fresh === false || (fresh === true && firstSyncDone);
  // [S9] A fresh device shows its first snapshot from memory, as written: the database read would bring
  // back ~5 MB for 5,000 tasks (hundreds of ms on a busy tablet). It holds no outbox rows: an action made
  // meanwhile stays on screen from `justMade` (a read at -Infinity includes none of them). The read begins
  // once the snapshot is on screen (`read` is then the rows shown, and 'now' after their commit): begun
  // earlier, its answer would arrive while React renders the snapshot and restart that render. Anything
  // written meanwhile (a push, an action's answer) is in the read; an action made meanwhile, in `justMade`.
  const [read, setRead] = useState<'not yet' | 'now' | DeviceRows>('not yet');
  useEffect(() => {
    if (!ready) return;
    const tasks = fresh ? engine.takeFirstSnapshot() : null;
    if (!tasks) {
      setRead('now');
      return;
    }
    const shown: DeviceRows = { readAt: -Infinity, tasks, outbox: [] };
    startTransition(() => {
      setRows(shown);
      setRead(shown);
    });
  }, [engine, fresh, ready]);
  useEffect(() => {
    if (typeof read !== 'object' || rows !== read) return;
    performance.mark('wardline:snapshot-shown');
    setRead('now');
  }, [read, rows]);
  useEffect(() => {
    if (read !== 'now') return;
    const subscription = liveQuery(() => {
      const readAt = performance.now();
      return db.transaction('r', db.tasks, db.outbox, async () => ({
        readAt,
        tasks: await db.tasks.toArray(),
        outbox: await db.outbox.orderBy(':id').toArray(),
      }));
    }).subscribe({
      next: (next) => {
        performance.mark('wardline:worklist-read');
        startTransition(() =>
          setRows((previous) => ({
            readAt: next.readAt,
            tasks: keepUnchanged(previous?.tasks, next.tasks),
            outbox: previous?.outbox.length === 0 && next.outbox.length === 0 ? previous.outbox : next.outbox,
          })),
        );
      },
      // A closed database (sign-out) ends the query; nothing to show the person.
      error: () => undefined,
    });
    return () => subscription.unsubscribe();
  }, [db, read]);
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

/** Ids of tasks with an action waiting in the outbox (a "waiting to sync" mark on their rows) [S11]. */
export function usePendingTaskIds(): Set<string> {
  const { outbox } = useContext(TasksContext);
  return useMemo(() => new Set(outbox.map((row) => row.command.taskId)), [outbox]);
}

/**
 * Tasks with a handover offer or a release of hers still in the outbox. `applyPending` cannot show an
 * offer before the relay answers (the receiver's directory entry is the relay's), so the end-of-shift
 * page uses this to count such tasks as passed on, not as still undecided.
 */
export function usePassingOnTaskIds(): Set<string> {
  const { outbox } = useContext(TasksContext);
  return useMemo(
    () =>
      new Set(
        outbox
          .filter((row) => row.command.type === 'handover.offer' || row.command.type === 'release')
          .map((row) => row.command.taskId),
      ),
    [outbox],
  );
}

/** How many actions wait to be sent from this device (the header's "N waiting to sync") [S11]. */
export function useUnsentCount(): number {
  // Bed actions (docs/ASSIGNMENTS-SCREENS.md A-P3) wait in their own outbox and count the same.
  const beds = useBoards((b) => b.pending.length);
  return useContext(TasksContext).outbox.length + beds;
}

export type Execute = (taskId: string, type: ActionType, payload?: unknown) => Promise<void>;

/**
 * Performs a staff action: written to the device's outbox (which is what shows it on screen at once),
 * then sent when the relay can be reached [S2, S5]. The relay's answer, or its refusal in words a nurse
 * understands ("Needs attention"), arrives through the outbox; an action made offline survives a closed
 * tab and is applied once.
 */
export function useExecute(): Execute {
  const { db, outbox } = useSession();
  return useCallback(
    async (taskId, type, payload) => {
      const command: Command = {
        commandId: crypto.randomUUID(),
        taskId,
        type,
        payload,
        issuedAt: new Date().toISOString(),
      };
      const memory = usePending.getState();
      memory.made(command);
      try {
        await enqueue(db, command);
        memory.saved(command.commandId, performance.now());
      } catch (error) {
        memory.forget([command.commandId]);
        usePending.getState().notify({
          id: command.commandId,
          taskId,
          message: notSavedMessage(error),
          at: new Date().toISOString(),
        });
        return;
      }
      void outbox.flush();
    },
    [db, outbox],
  );
}

/** [S12] Why an action could not even be kept on the device, in words a nurse can act on. */
function notSavedMessage(error: unknown): string {
  const name = error instanceof Error ? (error.cause instanceof Error ? error.cause.name : error.name) : '';
  if (name === 'QuotaExceededError') {
    return 'Not saved: this device is out of storage space. Free some space or tell IT, then do it again.';
  }
  return 'Not saved on this device. Do it again; if it keeps failing, sign out and in again.';
}
