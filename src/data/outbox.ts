import type { ActionResult, Command } from '../domain';
import { drainBeds } from './assignments';
import { storeNewer, type AttentionRow, type OutboxRow, type WorklistDb } from './db';

/**
 * The device's outbox (docs/SYNC.md): every staff action is a row here before anything else happens,
 * and leaves only in the transaction that stores the relay's answer. The screen shows the confirmed
 * tasks with these rows replayed on top (`applyPending`), so a closed tab, a reload or a dead battery
 * loses nothing, and the relay's idempotency key (`commandId`) makes a repeated send harmless.
 */

/** What the outbox needs of the connection: send one action, and whether sending can work now. */
export interface ActionChannel {
  readonly isLive: boolean;
  send(command: Command): Promise<ActionResult>;
  /** Tells the sync engine that an answer wrote this task (a fresh device's first sync compares it). */
  noteWrite(taskId: string): void;
  /** Other hub methods: with it, the round also sends the bed outbox (docs/ASSIGNMENTS.md [A-P3]). */
  invoke?<T>(method: string, ...args: unknown[]): Promise<T>;
}

/** Sends that end in an error from a live relay before the action is parked in "Needs attention" [S7]. */
export const MAX_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 30_000;

/**
 * [S2] Records an action. Writing the row is the optimistic change: the screen's overlay is read from
 * this table, so there is no second write that could be lost or half done.
 */
export async function enqueue(db: WorklistDb, command: Command): Promise<void> {
  await db.transaction('rw', db.tasks, db.outbox, async () => {
    const baseSeq = (await db.tasks.get(command.taskId))?.seq ?? null;
    await db.outbox.add({ command, baseSeq, attempts: 0, lastError: null });
  });
}

/** A refusal, or a repeat of one: the answers that carry a code and the relay's sentence. */
type Refusal = Exclude<ActionResult, { status: 'applied' }>;

function wasRefused(result: ActionResult): result is Refusal {
  return result.status === 'rejected' || (result.status === 'duplicate' && result.original === 'rejected');
}

/**
 * [S6, S7, S8] Stores the relay's answer to one action in one transaction: the relay's task (only if
 * newer), the row out of the outbox, and for a refusal a "Needs attention" entry with the relay's words
 * and the real state of the task. Nothing flickers: the overlay and the confirmed row change together.
 */
export async function settle(
  db: WorklistDb,
  row: OutboxRow,
  result: ActionResult,
  channel: Pick<ActionChannel, 'noteWrite'>,
  now: string = new Date().toISOString(),
): Promise<void> {
  const { command } = row;
  const refused = wasRefused(result) ? result : null;
  await db.transaction('rw', db.tasks, db.outbox, db.attention, async () => {
    if (result.task) {
      channel.noteWrite(result.task.id);
      await storeNewer(db, [result.task]);
    } else if (!refused || refused.code === 'not-found') {
      // The relay no longer shows the caller this task (the action handed it on, or it is gone).
      channel.noteWrite(command.taskId);
      await db.tasks.delete(command.taskId);
    }
    await db.outbox.where('command.commandId').equals(command.commandId).delete();
    if (refused) await db.attention.put(attentionFor(command, refused, now));
  });
}

function attentionFor(command: Command, refusal: Refusal, now: string): AttentionRow {
  return {
    id: command.commandId,
    taskId: command.taskId,
    type: command.type,
    code: refusal.code ?? 'invalid',
    message: refusal.message ?? 'Wardline refused this action. Check the task.',
    madeAt: command.issuedAt,
    refusedAt: now,
    task: refusal.task,
  };
}

/**
 * Sends the outbox, oldest first, one action at a time [S5]. One tab of the device sends at a time (a
 * Web Lock per database [S4]); the others see the answers through Dexie's cross-tab change events.
 * A refusal is recorded and the queue moves on [S7]; a lost connection stops the round and the same
 * rows are retried later, on the next trigger or after a jittered backoff of at most 30 s.
 */
export class OutboxSender {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  constructor(
    private readonly db: WorklistDb,
    private readonly channel: ActionChannel,
    private readonly locks: LockManager | undefined = globalThis.navigator?.locks,
  ) {}

  /** [S5] Starts a sending round, or asks the one running to go round again; resolves when both end. */
  flush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          await this.withLock(() => this.drain());
        } while (this.again && !this.stopped);
      } finally {
        this.running = null;
      }
    };
    this.running = run();
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async withLock(work: () => Promise<void>): Promise<void> {
    // Without Web Locks (Safari before 15.4) every tab may send: the relay's idempotency keeps it safe.
    if (!this.locks) return work();
    await this.locks.request(`wardline-outbox:${this.db.name}`, work);
  }

  private async drain(): Promise<void> {
    let retryLater = false;
    while (!this.stopped) {
      const row = await this.db.outbox.orderBy(':id').first();
      if (!row) break;
      if (!this.channel.isLive) {
        retryLater = true;
        break;
      }
      let result: ActionResult;
      try {
        result = await this.channel.send(row.command);
      } catch (error) {
        if (this.stopped) return;
        // Answered with an error by a relay that is still connected: a fault in this one action, not
        // the network. After a few tries it is parked so the actions behind it are not held forever.
        const relayFault = this.channel.isLive;
        const attempts = row.attempts + (relayFault ? 1 : 0);
        const lastError = error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
        if (relayFault && attempts >= MAX_ATTEMPTS) {
          await settle(this.db, row, giveUp(lastError), this.channel);
          continue;
        }
        await this.db.outbox.update(row.order!, { attempts, lastError });
        retryLater = true;
        break;
      }
      if (this.stopped) return;
      await settle(this.db, row, result, this.channel);
    }
    // Bed assignments after the task actions: they never change a task, so their order does not matter.
    const { channel } = this;
    if (!retryLater && !this.stopped && channel.invoke) {
      const beds = {
        get isLive() {
          return channel.isLive;
        },
        invoke: channel.invoke.bind(channel),
      };
      retryLater = !(await drainBeds(this.db, beds));
    }
    if (retryLater) this.scheduleRetry();
    else this.failures = 0;
  }

  private scheduleRetry(): void {
    if (this.stopped || this.timer) return;
    const base = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 10);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.flush();
      },
      Math.round(base * (0.5 + Math.random() * 0.5)),
    );
  }
}

function giveUp(reason: string): ActionResult {
  return {
    status: 'rejected',
    task: null,
    code: 'invalid',
    message: `Wardline could not process this action after ${MAX_ATTEMPTS} tries. It said: “${reason}” Check the task and do it again if it is still needed.`,
  };
}
