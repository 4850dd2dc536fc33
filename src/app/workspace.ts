import type { Principal } from '../domain';
import type { TokenSource } from '../data/auth/token-source';
import { createHubConnection } from '../data/connection';
import { databaseName, deleteWorklistDb, WorklistDb } from '../data/db';
import { OutboxSender } from '../data/outbox';
import { dropUnreadableTasks } from '../data/stored-tasks';
import { SyncEngine, type SyncReports } from '../data/sync-engine';
import { receiveAlert } from '../data/alerts';
import { refreshBoards, storeBoard } from '../data/assignments';
import { HUB_EVENTS, UnitsChanged } from '../domain';
import { liveQuery } from 'dexie';
import { useBoards } from '../state/board-store';
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
  outbox: OutboxSender;
  /** Removes the outbox's triggers (sign-out). */
  stopTriggers: () => void;
}

/**
 * Opens the person's own device database and starts the sync engine. Does not wait for the relay: with
 * no network the app shows what the device holds while the engine keeps trying. `unitsChanged` hears
 * of an admin moving her to other units (docs/HUB.md H5) so the signed-in principal can follow.
 */
export async function openWorkspace(
  me: Principal,
  tokens: TokenSource,
  unitsChanged: (units: string[]) => void = () => undefined,
): Promise<Workspace> {
  // Dexie's query cache deep-clones every result; the app keeps its own overlay (applyPending) and reads
  // the whole worklist in one query, so the cache only costs time on a 5,000-task unit.
  performance.mark('wardline:workspace-opening');
  const db = new WorklistDb(databaseName(me.tenantId, me.id), { cache: 'disabled' });
  // [S14] Before any view reads the worklist; a database that cannot even be read fails later, visibly.
  await dropUnreadableTasks(db).catch(() => 0);
  const connection = await createHubConnection(tokens);
  const engine = new SyncEngine(db, connection, reportToScreen);
  performance.clearMarks(MARK_SESSION_START);
  performance.clearMeasures(MEASURE_FIRST_SYNC);
  performance.mark(MARK_SESSION_START);
  const unsubscribe = useConnection.subscribe((state, previous) => {
    if (state.lastSyncedAt && !previous.lastSyncedAt) {
      performance.measure(MEASURE_FIRST_SYNC, MARK_SESSION_START);
      unsubscribe();
    }
  });
  const outbox = new OutboxSender(db, engine);
  // Her units as the relay last said: the boards follow them, not the units she signed in with.
  let units = me.units;
  const stopBoards = followBoards(db, engine, () => units);
  followUnits(engine, (next) => {
    units = next;
    if (useConnection.getState().link === 'live') void refreshBoards(db, engine, units);
    unitsChanged(next);
  });
  const stopOutboxTriggers = flushOnEveryChance(outbox);
  const stopTriggers = () => {
    stopOutboxTriggers();
    stopBoards();
  };
  void engine.start();
  void persistStorage(db);
  return { me, tokens, db, engine, outbox, stopTriggers };
}

/** The sync engine's reports, into the stores the header and the alert banner read. */
const reportToScreen: SyncReports = {
  link: (state) => useConnection.getState().setLink(state),
  syncing: (on) => useConnection.getState().setSyncing(on),
  synced: (at) => useConnection.getState().setSynced(at),
  alert: (raw) => void receiveAlert(raw),
};

/**
 * The bed boards (docs/ASSIGNMENTS.md [A-P1]): pushed live by `assignmentsChanged`, asked again after every
 * connect's catch-up, stored in Dexie and mirrored into the board store that the Beds screen and rows read.
 */
function followBoards(db: WorklistDb, engine: SyncEngine, units: () => string[]): () => void {
  engine.on(HUB_EVENTS.assignmentsChanged, (board: unknown) => void storeBoard(db, board));
  // After the catch-up that follows every connect, not beside it: a board is built from every open
  // task of the unit (5,000 read and checked on the relay), which held back a fresh device's first sync
  // page by a few hundred ms. A catch-up that fails still ends, and the boards are asked for then.
  const unsubscribe = useConnection.subscribe((state, previous) => {
    if (state.link === 'live' && previous.syncing && !state.syncing) void refreshBoards(db, engine, units());
  });
  const subscription = liveQuery(() =>
    db.transaction('r', db.boards, db.bedOutbox, async () => ({
      boards: await db.boards.toArray(),
      pending: (await db.bedOutbox.orderBy(':id').toArray()).map((r) => r.command),
    })),
  ).subscribe({
    next: ({ boards, pending }) => useBoards.getState().set(boards, pending),
    error: () => undefined,
  });
  return () => {
    unsubscribe();
    subscription.unsubscribe();
    useBoards.getState().set([], []);
  };
}

/**
 * H5: an admin moved her. The relay sends her units before the work of the move, so they are applied
 * at once (not through Dexie) and the screen never filters out what arrives next. A malformed list,
 * like any relay message that fails validation, is ignored.
 */
export function followUnits(engine: SyncEngine, moved: (units: string[]) => void): void {
  engine.on(HUB_EVENTS.unitsChanged, (raw: unknown) => {
    const units = UnitsChanged.safeParse(raw);
    if (units.success) moved(units.data);
  });
}

/**
 * [S5] When the outbox is sent: at start, whenever the relay connection becomes live (first connect and
 * every reconnect: the relay's nudge), when the browser says it is online, when the page is shown again,
 * and after every action (`useExecute`). The sender's own backoff covers the rest. Never Background Sync.
 */
function flushOnEveryChance(outbox: OutboxSender): () => void {
  const flush = () => void outbox.flush();
  const onVisible = () => {
    if (document.visibilityState === 'visible') flush();
  };
  const unsubscribe = useConnection.subscribe((state, previous) => {
    if (state.link === 'live' && previous.link !== 'live') flush();
  });
  window.addEventListener('online', flush);
  document.addEventListener('visibilitychange', onVisible);
  flush();
  return () => {
    unsubscribe();
    window.removeEventListener('online', flush);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

/**
 * [S12] Asks the browser not to evict this device's worklist and outbox under storage pressure, once per
 * database, and records the answer (Safari and Chrome may say no; the app works either way).
 */
async function persistStorage(db: WorklistDb): Promise<void> {
  try {
    if (!navigator.storage?.persist || (await db.meta.get('persisted'))?.value === true) return;
    const granted = await navigator.storage.persist();
    await db.meta.put({ key: 'persisted', value: granted });
  } catch {
    // Not offered by this browser, or the database is closing (sign-out): nothing to record.
  }
}

/**
 * Stops syncing and closes the database; with `erase`, deletes this person's worklist from the device
 * (sign-out: the next person on a shared tablet never sees the last one's patients).
 */
export async function closeWorkspace(workspace: Workspace, { erase }: { erase: boolean }): Promise<void> {
  workspace.stopTriggers();
  workspace.outbox.stop();
  try {
    await workspace.engine.stop();
  } catch {
    // Already disconnected: nothing to stop.
  }
  workspace.db.close();
  workspace.tokens.forget();
  if (erase) await deleteWorklistDb(workspace.me.tenantId, workspace.me.id);
}
