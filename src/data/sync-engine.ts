import { ActionResult, HUB_EVENTS, HUB_METHODS, Task, type Command, type SyncPage } from '../domain';
import { readCursor, storeNewer, type WorklistDb } from './db';
import { nextTask } from './next-task';

/** Where the device stands with the relay, as the header shows it. */
export type LinkState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/**
 * What the engine needs of the hub connection: SignalR's `HubConnection` has this shape (the app passes
 * one); a test passes a double. `state` is the connection's `HubConnectionState` value.
 */
export interface HubLink {
  readonly state: 'Disconnected' | 'Connecting' | 'Connected' | 'Disconnecting' | 'Reconnecting';
  start(): Promise<void>;
  stop(): Promise<void>;
  invoke<T>(method: string, ...args: unknown[]): Promise<T>;
  on(event: string, handler: (...args: never[]) => void): void;
  onreconnecting(callback: () => void): void;
  onreconnected(callback: () => void): void;
  onclose(callback: () => void): void;
}

/** What the engine reports: the app wires these to its UI stores; the engine knows nothing of them. */
export interface SyncReports {
  link(state: LinkState): void;
  syncing(on: boolean): void;
  synced(at: string): void;
  /** A hub `alert`, unparsed: the receiver validates it [E6]. */
  alert(raw: unknown): void;
}

/** The browser's own word on the network: `offline` comes before SignalR notices a dead link [S10]. */
export interface NetworkSignals {
  /** Calls `onOffline`/`onOnline` on each change until the returned function is called. */
  watch(onOffline: () => void, onOnline: () => void): () => void;
}

export const browserNetwork: NetworkSignals = {
  watch(onOffline, onOnline) {
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
    };
  },
};

/**
 * Keeps the device's worklist (Dexie) equal to the relay's view for this user (docs/HUB.md):
 * - `sync(cursor)` pages are written one Dexie transaction per page, cursor included, so a tab closed
 *   mid-sync resumes where it stopped;
 * - live `taskChanged` / `taskRemoved` replace a task only with a higher `seq` and never move the cursor;
 * - every (re)connect is followed by a catch-up from the stored cursor; a sync from 0 is a full snapshot.
 */
export class SyncEngine {
  private catchingUp: Promise<void> | null = null;
  private stopped = false;
  /**
   * While a fresh device (cursor 0, no tasks stored) takes its first snapshot: the ids that live pushes
   * and action answers wrote meanwhile — the only rows a sync page can meet, so the only ones it reads
   * back to compare `seq`. Null otherwise (every page write then compares every task).
   */
  private freshWrites: Set<string> | null = null;

  private unwatchNetwork: (() => void) | null = null;
  /**
   * A fresh device's first snapshot as written, kept for one hand-over to the screen (`takeFirstSnapshot`)
   * so its first render need not wait for IndexedDB to read back the ~5 MB it has just written.
   */
  private firstSnapshot: Task[] | null = null;

  /**
   * Whether the device held no cursor and no task when this engine was made: its first sync is then a full
   * snapshot, which the screen waits for and shows from memory (`takeFirstSnapshot`, [S9]). A device with
   * tasks but no cursor (S14 wound it back) shows its tasks at once. Read here, in a transaction made
   * before the engine writes anything: IndexedDB runs transactions over the same stores in the order they
   * are made, so the answer never includes a sync page (a read by the screen, which mounts later, could).
   */
  readonly startsFresh: Promise<boolean>;

  constructor(
    private readonly db: WorklistDb,
    private readonly connection: HubLink,
    private readonly report: SyncReports,
    private readonly network: NetworkSignals = browserNetwork,
  ) {
    this.startsFresh = db
      .transaction(
        'r',
        db.meta,
        db.tasks,
        async () => (await readCursor(db)) === 0 && (await db.tasks.count()) === 0,
      )
      .catch(() => false);
  }

  async start(): Promise<void> {
    this.connection.on(HUB_EVENTS.taskChanged, (task: unknown) => void this.onChanged(task));
    this.connection.on(HUB_EVENTS.taskRemoved, (id: unknown, seq: unknown) => void this.onRemoved(id, seq));
    // Escalations for this person [E6]: a nudge to the screen; the tasks themselves arrive as changes.
    this.connection.on(HUB_EVENTS.alert, (alert: unknown) => this.report.alert(alert));
    this.connection.onreconnecting(() => this.report.link('reconnecting'));
    this.connection.onreconnected(() => {
      this.report.link('live');
      void this.catchUp();
    });
    this.connection.onclose(() => {
      if (!this.stopped) this.report.link('offline');
    });
    this.unwatchNetwork = this.network.watch(this.onOffline, this.onOnline);
    this.report.link('connecting');
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatchNetwork?.();
    this.wake?.();
    await this.connection.stop();
  }

  /**
   * [S10] The browser knows before SignalR does that the network is gone: a dead Wi-Fi link can leave the
   * socket looking open until the 30 s server timeout, with actions sent into it. The connection is
   * closed at once and opened again (with a catch-up) when the browser is back online.
   */
  private readonly onOffline = () => {
    if (this.stopped) return;
    this.wentOffline = true;
    void this.connection.stop().catch(() => undefined);
  };

  private readonly onOnline = () => {
    if (this.stopped) return;
    // A first start waiting out its backoff tries again now; a connection closed for `offline` restarts.
    this.wake?.();
    if (this.wentOffline) {
      this.wentOffline = false;
      void this.connect();
    }
  };

  private wentOffline = false;
  private connecting: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  private connect(): Promise<void> {
    this.connecting ??= this.connectUntilStarted().finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** Runs one catch-up at a time; a second request while one runs waits for it and then runs again. */
  catchUp(): Promise<void> {
    const run = async () => {
      this.report.syncing(true);
      try {
        await this.pullAll();
        this.report.synced(new Date().toISOString());
      } finally {
        this.report.syncing(false);
      }
    };
    const next = (this.catchingUp ?? Promise.resolve()).then(run, run);
    this.catchingUp = next.finally(() => {
      if (this.catchingUp === next) this.catchingUp = null;
    });
    return next;
  }

  /**
   * Sends one action and returns the relay's answer; storing it is the outbox's job, in the transaction
   * that also takes the action out of the outbox (src/data/outbox.ts).
   */
  async send(command: Command): Promise<ActionResult> {
    const raw = await this.connection.invoke<unknown>(HUB_METHODS.execute, command);
    return ActionResult.parse(raw);
  }

  /** An action's answer wrote this task: a fresh device's first sync must compare it by `seq`. */
  noteWrite(taskId: string): void {
    this.freshWrites?.add(taskId);
  }

  /** Another hub method on the same connection (the bed boards, docs/ASSIGNMENTS.md). */
  invoke<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.connection.invoke<T>(method, ...args);
  }

  /** Another hub event on the same connection; SignalR keeps handlers across reconnects. */
  on(event: string, handler: (...args: never[]) => void): void {
    this.connection.on(event, handler);
  }

  /**
   * The tasks of a fresh device's first full sync, exactly as its pages were written, once: null after the
   * first call, when the sync was not from an empty database, or when a live push or an action answer
   * wrote a task meanwhile (the database may then hold a newer copy or have dropped one: only a read of
   * it is right). The screen shows these until its own read of the database replaces them.
   */
  takeFirstSnapshot(): Task[] | null {
    const tasks = this.firstSnapshot;
    this.firstSnapshot = null;
    return tasks;
  }

  get isLive(): boolean {
    return this.connection.state === 'Connected';
  }

  private async connectUntilStarted(): Promise<void> {
    // withAutomaticReconnect covers drops after a start; the first start is retried here, so opening
    // the app with no network simply waits (showing the device's copy) until the relay is reachable.
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        // A stop() for `offline` may still be closing the previous connection.
        if (this.connection.state !== 'Disconnected') await this.connection.stop();
        await this.connection.start();
        performance.mark('wardline:hub-connected');
        this.report.link('live');
        await this.catchUp();
        return;
      } catch {
        this.report.link('offline');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 5)));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  private async pullAll(): Promise<void> {
    let cursor = await readCursor(this.db);
    // [S12] A device that holds no tasks but a cursor (its storage was cleared under a live session, or
    // the view really is empty) asks for a full snapshot: cheap when empty, and nothing is missed.
    if (cursor > 0 && (await this.db.tasks.count()) === 0) {
      await this.db.meta.put({ key: 'cursor', value: 0 });
      cursor = 0;
    }
    const full = cursor === 0 ? new Set<string>() : null;
    // Recording starts before the count, so a push either wrote before it (and is counted) or is recorded.
    let fresh: Set<string> | null = cursor === 0 ? new Set<string>() : null;
    this.freshWrites = fresh;
    if (fresh && (await this.db.tasks.count()) > 0) fresh = this.freshWrites = null;
    try {
      // One page ahead: the relay prepares page n+1 while the device writes page n (a fresh device's
      // 5,000 tasks arrive in five pages). And one write ahead: page n+1's transaction is opened (its
      // tasks serialized) while IndexedDB still commits page n. IndexedDB runs them in order; each page
      // is still one transaction with its cursor, and one that finds the previous page's cursor missing
      // (that write failed) rolls itself back, so the stored cursor never passes a page not written.
      let next = this.fetchPage(cursor);
      let previous = cursor;
      let writing: Promise<void> = Promise.resolve();
      // The snapshot as the pages build it: a task changed while paging reappears on a later page (its
      // newer state replaces the earlier one) and a page's `removed` takes tasks out.
      const snapshot: Map<string, Task> | null = fresh ? new Map() : null;
      for (;;) {
        const page = await next;
        if (fresh) performance.mark('wardline:sync-page-received');
        if (!page.complete) next = this.fetchPage(page.cursor);
        // Receiving (the JSON parse), validating and serializing a 1,000-task page are each tens of ms:
        // separate tasks, so none of them joins another into a long task that would block a tap.
        await nextTask();
        const tasks = page.tasks.map((t) => Task.parse(t));
        if (snapshot) {
          for (const t of tasks) if ((snapshot.get(t.id)?.seq ?? -1) < t.seq) snapshot.set(t.id, t);
          for (const id of page.removed) snapshot.delete(id);
        }
        await nextTask();
        const write = this.writePage(page, tasks, previous, full, fresh);
        write.then(() => fresh && performance.mark('wardline:sync-page-written')).catch(() => undefined);
        previous = page.cursor;
        await writing;
        writing = write;
        if (page.complete) {
          await write;
          // Every page is written; nothing else wrote a task during the sync (pushes are recorded in
          // `fresh` before their transaction opens), so the database holds exactly these.
          if (snapshot && fresh?.size === 0) this.firstSnapshot = [...snapshot.values()];
          return;
        }
      }
    } finally {
      if (this.freshWrites === fresh) this.freshWrites = null;
    }
  }

  /** One sync page in one transaction, cursor included [H8], after checking the previous page's cursor. */
  private writePage(
    page: SyncPage,
    tasks: readonly Task[],
    previous: number,
    full: Set<string> | null,
    fresh: Set<string> | null,
  ): Promise<void> {
    if (full) for (const t of tasks) full.add(t.id);
    return this.db.transaction('rw', this.db.tasks, this.db.meta, async () => {
      const written = fresh ? this.putFresh(tasks, fresh) : storeNewer(this.db, tasks);
      const stored = readCursor(this.db);
      await written;
      if ((await stored) !== previous) throw new Error('sync: the previous page was not written');
      if (page.removed.length > 0) await this.db.tasks.bulkDelete(page.removed);
      await this.db.meta.put({ key: 'cursor', value: page.cursor });
      if (page.complete) {
        // [H1] A sync from 0 is a full snapshot: drop whatever the device held that it does not list.
        // On a fresh device that can only be something a live push wrote during this sync.
        if (full) {
          const held = fresh
            ? (await this.db.tasks.bulkGet([...fresh].filter((id) => !full.has(id))))
                .filter((t): t is Task => t !== undefined && t.seq <= page.cursor)
                .map((t) => t.id)
            : await this.db.tasks.where('seq').belowOrEqual(page.cursor).primaryKeys();
          const stale = held.filter((id) => !full.has(id));
          if (stale.length > 0) await this.db.tasks.bulkDelete(stale);
        }
        await this.db.meta.put({ key: 'lastSyncedAt', value: new Date().toISOString() });
      }
    });
  }

  /**
   * A sync page on a fresh device: the database held nothing when this sync began, so a task can only
   * meet a stored row that a live push or an action answer wrote meanwhile (`written`); only those are
   * read back, and still replaced only by a higher `seq` [H8]. The rest are written without a read.
   * Runs inside the page's transaction; a push's write runs wholly before or after it (IndexedDB orders
   * transactions over the same store), and a push is recorded in `written` before its transaction opens.
   */
  private async putFresh(tasks: readonly Task[], written: ReadonlySet<string>): Promise<void> {
    const met = written.size === 0 ? [] : tasks.filter((t) => written.has(t.id));
    if (met.length === 0) {
      if (tasks.length > 0) await this.db.tasks.bulkPut(tasks as Task[]);
      return;
    }
    const current = await this.db.tasks.bulkGet(met.map((t) => t.id));
    const older = new Set(met.filter((t, i) => (current[i]?.seq ?? -1) >= t.seq).map((t) => t.id));
    const newer = tasks.filter((t) => !older.has(t.id));
    if (newer.length > 0) await this.db.tasks.bulkPut(newer);
  }

  private fetchPage(cursor: number): Promise<SyncPage> {
    const page = this.connection.invoke<SyncPage>(HUB_METHODS.sync, cursor);
    // A page asked for ahead is awaited only if the previous one was written; never an unhandled rejection.
    page.catch(() => undefined);
    return page;
  }

  private async onChanged(input: unknown): Promise<void> {
    const parsed = Task.safeParse(input);
    if (!parsed.success) return;
    this.freshWrites?.add(parsed.data.id);
    await storeNewer(this.db, [parsed.data]);
  }

  private async onRemoved(id: unknown, seq: unknown): Promise<void> {
    if (typeof id !== 'string' || typeof seq !== 'number') return;
    this.freshWrites?.add(id);
    await this.db.transaction('rw', this.db.tasks, async () => {
      const current = await this.db.tasks.get(id);
      if (current && current.seq <= seq) await this.db.tasks.delete(id);
    });
  }
}
