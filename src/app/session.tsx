import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useLiveQuery } from 'dexie-react-hooks';
import { applyPending, type ActionType, type Principal, type Task } from '../domain';
import type { TokenSource } from '../data/auth/token-source';
import { createHubConnection } from '../data/connection';
import { databaseName, WorklistDb } from '../data/db';
import { SyncEngine } from '../data/sync-engine';
import { usePending } from '../state/pending-store';

export interface Session {
  me: Principal;
  tokens: TokenSource;
  db: WorklistDb;
  engine: SyncEngine;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** Opens this user's device database and the hub connection for as long as the user is signed in. */
export function SessionProvider({
  me,
  tokens,
  children,
}: {
  me: Principal;
  tokens: TokenSource;
  children: ReactNode;
}) {
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    let cancelled = false;
    const db = new WorklistDb(databaseName(me.tenantId, me.id));
    let engine: SyncEngine | null = null;
    void createHubConnection(tokens).then((connection) => {
      if (cancelled) return;
      engine = new SyncEngine(db, connection);
      setSession({ me, tokens, db, engine });
      void engine.start();
    });
    return () => {
      cancelled = true;
      void engine?.stop();
      db.close();
    };
  }, [me, tokens]);
  if (!session) return null;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The caller's worklist as the screen shows it: confirmed tasks with pending actions applied on top. */
export function useTasks(): Task[] | undefined {
  const { db, me } = useSession();
  const confirmed = useLiveQuery(() => db.tasks.toArray(), [db]);
  const pending = usePending((s) => s.pending);
  return useMemo(
    () =>
      confirmed?.map((task) =>
        pending.length
          ? applyPending(
              task,
              pending.map((command) => ({ command })),
              me,
            )
          : task,
      ),
    [confirmed, pending, me],
  );
}

export function useTask(id: string | undefined): Task | null | undefined {
  const { db, me } = useSession();
  const confirmed = useLiveQuery(async () => (id ? ((await db.tasks.get(id)) ?? null) : null), [db, id]);
  const pending = usePending((s) => s.pending);
  return useMemo(
    () =>
      confirmed
        ? applyPending(
            confirmed,
            pending.map((command) => ({ command })),
            me,
          )
        : confirmed,
    [confirmed, pending, me],
  );
}

/**
 * Performs a staff action: applied at once on screen (optimistic overlay), then confirmed or reverted
 * with the relay's reason in words a nurse understands.
 */
export function useExecute(): (taskId: string, type: ActionType, payload?: unknown) => Promise<void> {
  const { engine } = useSession();
  return async (taskId, type, payload) => {
    const command = {
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
      if (result.status === 'rejected' || (result.status === 'duplicate' && result.original === 'rejected')) {
        store.notify({
          id: command.commandId,
          taskId,
          message: result.message ?? 'The relay refused this action.',
          at: new Date().toISOString(),
        });
      }
    } catch {
      store.notify({
        id: command.commandId,
        taskId,
        message: 'Not sent: the connection to Wardline is down. Try again when it is back.',
        at: new Date().toISOString(),
      });
    } finally {
      usePending.getState().settle(command.commandId);
    }
  };
}
