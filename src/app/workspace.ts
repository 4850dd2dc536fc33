import type { Principal } from '../domain';
import type { TokenSource } from '../data/auth/token-source';
import { createHubConnection } from '../data/connection';
import { databaseName, deleteWorklistDb, WorklistDb } from '../data/db';
import { SyncEngine } from '../data/sync-engine';
import { useConnection } from '../state/connection-store';

/** Performance marks (no patient data): the bench and the e2e tests read them. */
export const MARK_SESSION_START = 'wardline:session-start';
export const MEASURE_FIRST_SYNC = 'wardline:first-sync';

/** Everything one signed-in person has open on this device: their database and their hub connection. */
export interface Workspace {
  me: Principal;
  tokens: TokenSource;
  db: WorklistDb;
  engine: SyncEngine;
}

/**
 * Opens the person's own device database and starts the sync engine. Does not wait for the relay: with
 * no network the app shows what the device holds while the engine keeps trying.
 */
export async function openWorkspace(me: Principal, tokens: TokenSource): Promise<Workspace> {
  // Dexie's query cache deep-clones every result; the app keeps its own overlay (applyPending) and reads
  // the whole worklist in one query, so the cache only costs time on a 5,000-task unit.
  const db = new WorklistDb(databaseName(me.tenantId, me.id), { cache: 'disabled' });
  const connection = await createHubConnection(tokens);
  const engine = new SyncEngine(db, connection);
  performance.clearMarks(MARK_SESSION_START);
  performance.clearMeasures(MEASURE_FIRST_SYNC);
  performance.mark(MARK_SESSION_START);
  const unsubscribe = useConnection.subscribe((state, previous) => {
    if (state.lastSyncedAt && !previous.lastSyncedAt) {
      performance.measure(MEASURE_FIRST_SYNC, MARK_SESSION_START);
      unsubscribe();
    }
  });
  void engine.start();
  return { me, tokens, db, engine };
}

/**
 * Stops syncing and closes the database; with `erase`, deletes this person's worklist from the device
 * (sign-out: the next person on a shared tablet never sees the last one's patients).
 */
export async function closeWorkspace(workspace: Workspace, { erase }: { erase: boolean }): Promise<void> {
  try {
    await workspace.engine.stop();
  } catch {
    // Already disconnected: nothing to stop.
  }
  workspace.db.close();
  workspace.tokens.forget();
  if (erase) await deleteWorklistDb(workspace.me.tenantId, workspace.me.id);
}
