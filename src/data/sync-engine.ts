import { HubConnectionState, type HubConnection } from '@microsoft/signalr';
import { ActionResult, HUB_EVENTS, HUB_METHODS, Task, type Command, type SyncPage } from '../domain';
import { useConnection } from '../state/connection-store';
import { readCursor, type WorklistDb } from './db';

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

  constructor(
    private readonly db: WorklistDb,
    private readonly connection: HubConnection,
  ) {}

  async start(): Promise<void> {
    const link = useConnection.getState();
    this.connection.on(HUB_EVENTS.taskChanged, (task: unknown) => void this.onChanged(task));
    this.connection.on(HUB_EVENTS.taskRemoved, (id: unknown, seq: unknown) => void this.onRemoved(id, seq));
    this.connection.onreconnecting(() => useConnection.getState().setLink('reconnecting'));
    this.connection.onreconnected(() => {
      useConnection.getState().setLink('live');
      void this.catchUp();
    });
    this.connection.onclose(() => {
      if (!this.stopped) useConnection.getState().setLink('offline');
    });
    link.setLink('connecting');
    await this.connectUntilStarted();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.connection.stop();
  }

  /** Runs one catch-up at a time; a second request while one runs waits for it and then runs again. */
  catchUp(): Promise<void> {
    const run = async () => {
      useConnection.getState().setSyncing(true);
      try {
        await this.pullAll();
        useConnection.getState().setSynced(new Date().toISOString());
      } finally {
        useConnection.getState().setSyncing(false);
      }
    };
    const next = (this.catchingUp ?? Promise.resolve()).then(run, run);
    this.catchingUp = next.finally(() => {
      if (this.catchingUp === next) this.catchingUp = null;
    });
    return next;
  }

  /** Sends one action and stores the relay's version of the task from the answer. */
  async execute(command: Command): Promise<ActionResult> {
    const raw = await this.connection.invoke<unknown>(HUB_METHODS.execute, command);
    const result = ActionResult.parse(raw);
    if (result.task) await this.putIfNewer([result.task]);
    return result;
  }

  get isLive(): boolean {
    return this.connection.state === HubConnectionState.Connected;
  }

  private async connectUntilStarted(): Promise<void> {
    // withAutomaticReconnect covers drops after a start; the first start is retried here, so opening
    // the app with no network simply waits (showing the device's copy) until the relay is reachable.
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.connection.start();
        useConnection.getState().setLink('live');
        await this.catchUp();
        return;
      } catch {
        useConnection.getState().setLink('offline');
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  private async pullAll(): Promise<void> {
    const cursor = await readCursor(this.db);
    const full = cursor === 0 ? new Set<string>() : null;
    // One page ahead: the relay prepares page n+1 while the device writes page n (a fresh device's
    // 5,000 tasks arrive in five pages). Each page is still written in order, cursor included.
    let next = this.fetchPage(cursor);
    for (;;) {
      const page = await next;
      if (!page.complete) next = this.fetchPage(page.cursor);
      const tasks = page.tasks.map((t) => Task.parse(t));
      await this.db.transaction('rw', this.db.tasks, this.db.meta, async () => {
        await this.putIfNewer(tasks);
        if (page.removed.length > 0) await this.db.tasks.bulkDelete(page.removed);
        await this.db.meta.put({ key: 'cursor', value: page.cursor });
        if (full) for (const t of tasks) full.add(t.id);
        if (page.complete) {
          // [H1] A sync from 0 is a full snapshot: drop whatever the device held that it does not list.
          if (full) {
            const stale = (await this.db.tasks.where('seq').belowOrEqual(page.cursor).primaryKeys()).filter((id) => !full.has(id));
            if (stale.length > 0) await this.db.tasks.bulkDelete(stale);
          }
          await this.db.meta.put({ key: 'lastSyncedAt', value: new Date().toISOString() });
        }
      });
      if (page.complete) return;
    }
  }

  private fetchPage(cursor: number): Promise<SyncPage> {
    const page = this.connection.invoke<SyncPage>(HUB_METHODS.sync, cursor);
    // A page asked for ahead is awaited only if the previous one was written; never an unhandled rejection.
    page.catch(() => undefined);
    return page;
  }

  private async putIfNewer(tasks: readonly Task[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.db.transaction('rw', this.db.tasks, async () => {
      const current = await this.db.tasks.bulkGet(tasks.map((t) => t.id));
      const newer = tasks.filter((t, i) => (current[i]?.seq ?? -1) < t.seq);
      if (newer.length > 0) await this.db.tasks.bulkPut(newer);
    });
  }

  private async onChanged(input: unknown): Promise<void> {
    const parsed = Task.safeParse(input);
    if (parsed.success) await this.putIfNewer([parsed.data]);
  }

  private async onRemoved(id: unknown, seq: unknown): Promise<void> {
    if (typeof id !== 'string' || typeof seq !== 'number') return;
    await this.db.transaction('rw', this.db.tasks, async () => {
      const current = await this.db.tasks.get(id);
      if (current && current.seq <= seq) await this.db.tasks.delete(id);
    });
  }
}
