import type pg from 'pg';
import type { CommitListener, CommittedChange } from './contract';
import { CHANGES_CHANNEL, SIGNALS_CHANNEL, type PostgresEngine } from './postgres-engine';
import { decodeSignal, encodeSignal, type ClusterSignal, type ClusterSignals } from './cluster-signals';
import { taskFromRow } from './rows';

/** What the tail reports when the database is away; the relay logs it (ids and error names only). */
export interface TailEvents {
  lost?: (error: Error) => void;
  listening?: () => void;
  skipped?: (seq: number) => void;
}

/** Rows read per round trip while catching up. */
const PAGE = 500;
/** The net under LISTEN: a notification lost with a dropped connection is found by this poll. */
const POLL_MS = 1_000;
/** After the listening connection broke: the next attempt, doubling up to the maximum. */
const FIRST_RECONNECT_MS = 250;
const MAX_RECONNECT_MS = 5_000;
/**
 * ST1 says a seq never appears after a higher one; if the log ever showed a hole anyway (a row removed
 * by hand), the tail waits this long for it, then goes on without it and says so.
 */
const GAP_WAIT_MS = 5_000;

interface ChangeRow {
  seq: number;
  task_id: string;
  change: string;
  actor_id: string;
  task: string;
  previous: string | null;
  previous_seq: number | null;
}

/**
 * Several relays on one PostgreSQL (docs/STORE.md CL2–CL4): every relay hears every committed change —
 * its own and the other relays' — exactly once and in `seq` order, by tailing the `changes` log from a
 * cursor. A commit NOTIFYs `<stream>:<seq>` (in the transaction, so only committed changes are
 * announced); each relay LISTENs on a connection of its own and reads `changes` after its cursor. The
 * counter-row rule (ST1) makes that read gap-free: once seq N is visible, every smaller one is too. A
 * relay's own commit skips the read when it is the very next seq (its `previous` is already at hand);
 * anything else comes from the log, with `previous` = the task's prior row in the log. A broken
 * listening connection is reopened with back-off and the tail catches up from its cursor; a poll every
 * second covers a notification lost in between.
 */
export class ChangeTail {
  private readonly listeners = new Set<CommitListener>();
  private readonly signalListeners = new Set<(signal: ClusterSignal) => void>();
  /** This relay's own commits not yet handed on, by seq. */
  private readonly local = new Map<number, CommittedChange>();
  private cursor: number;
  private draining = false;
  private again = false;
  /** Set when the log may hold something past the cursor that this relay did not write. */
  private needRead = true;
  private client: pg.Client | null = null;
  private stopped = false;
  private reconnectMs = FIRST_RECONNECT_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly poll: NodeJS.Timeout;
  private gapSince: { seq: number; at: number } | null = null;
  /** One warning per outage, not one per poll. */
  private lossReported = false;

  constructor(
    private readonly engine: PostgresEngine,
    lastSeq: number,
    private readonly events: TailEvents = {},
  ) {
    this.cursor = lastSeq;
    this.poll = setInterval(() => this.wake(true), POLL_MS);
    this.poll.unref();
    engine.onClose(() => this.stop());
  }

  /** The newest seq handed to listeners. */
  get position(): number {
    return this.cursor;
  }

  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Signals between relays ride on the same LISTEN connection (cluster-signals.ts). */
  readonly signals: ClusterSignals = {
    send: async (signal) => {
      await this.engine.run('SELECT pg_notify(?, ?)', [SIGNALS_CHANNEL, encodeSignal(signal)]);
    },
    on: (listener) => {
      this.signalListeners.add(listener);
      return () => this.signalListeners.delete(listener);
    },
  };

  /** Starts listening; resolves once LISTEN is in place or the first attempt failed (retried later). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** This relay committed `change`: handed on at once when it is next, else after the log is read. */
  committed(change: CommittedChange): void {
    if (change.seq <= this.cursor) return;
    this.local.set(change.seq, change);
    this.wake();
  }

  /** A transaction that took a seq failed: the log says whether it landed; nothing to do here. */
  failed(): void {}

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.poll);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    void client?.end().catch(() => undefined);
  }

  private wake(read = false): void {
    if (this.stopped) return;
    if (read) this.needRead = true;
    if (this.draining) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      do {
        this.again = false;
        this.handOnLocal();
        // An own commit that is not next means another relay's change sits before it in the log.
        if (this.needRead || this.local.size > 0) {
          this.needRead = false;
          await this.readLog();
          this.lossReported = false;
          this.handOnLocal();
        }
      } while (this.again && !this.stopped);
    } catch (error) {
      // The database is away: the poll (and the reconnect) try again; nothing past the cursor is lost.
      this.needRead = true;
      this.reportLoss(error as Error);
    } finally {
      this.draining = false;
    }
  }

  /** Own commits that are next in line need no read. */
  private handOnLocal(): void {
    for (let next = this.local.get(this.cursor + 1); next; next = this.local.get(this.cursor + 1)) {
      this.local.delete(next.seq);
      this.emit(next);
    }
  }

  private async readLog(): Promise<void> {
    for (;;) {
      if (this.stopped || !this.engine.open) return;
      const rows = await this.engine.all<ChangeRow>(
        `SELECT c.seq, c.task_id, c.change, c.actor_id, c.task, p.task AS previous, p.seq AS previous_seq
         FROM changes c
         LEFT JOIN LATERAL (
           SELECT seq, task FROM changes WHERE task_id = c.task_id AND seq < c.seq ORDER BY seq DESC LIMIT 1
         ) p ON true
         WHERE c.seq > ? ORDER BY c.seq LIMIT ?`,
        [this.cursor, PAGE],
      );
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== this.cursor + 1 && !this.gapPassed(seq)) return;
        this.gapSince = null;
        const own = this.local.get(seq);
        this.local.delete(seq);
        this.emit(own ?? changeOf(row, seq));
      }
      if (rows.length < PAGE) return;
    }
  }

  /** True once a hole before `seq` has lasted GAP_WAIT_MS: the cursor then moves past it. */
  private gapPassed(seq: number): boolean {
    const now = Date.now();
    if (this.gapSince?.seq !== this.cursor + 1) this.gapSince = { seq: this.cursor + 1, at: now };
    if (now - this.gapSince.at < GAP_WAIT_MS) return false;
    for (let missing = this.cursor + 1; missing < seq; missing++) this.events.skipped?.(missing);
    this.cursor = seq - 1;
    return true;
  }

  private emit(change: CommittedChange): void {
    for (const stale of this.local.keys()) if (stale <= change.seq) this.local.delete(stale);
    this.cursor = change.seq;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A failing listener (a hub fan-out bug) must not block the stream for the others.
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: pg.Client | null = null;
    try {
      client = await this.engine.dedicatedClient();
      const listening = client;
      // The payload is `<stream>:<seq>`: an own commit already handed on needs no read.
      listening.on('notification', (message) => {
        if (message.channel === SIGNALS_CHANNEL) return this.heard(message.payload);
        const seq = Number(message.payload?.split(':')[1]);
        if (!(seq <= this.cursor)) this.wake(true);
      });
      const broken = (error?: Error) => {
        if (this.client !== listening) return;
        this.client = null;
        void listening.end().catch(() => undefined);
        this.reportLoss(error ?? new Error('the listening connection ended'));
        this.scheduleReconnect();
      };
      listening.on('error', broken);
      listening.on('end', () => broken());
      await listening.query(`LISTEN ${SIGNALS_CHANNEL}; LISTEN ${CHANGES_CHANNEL}`);
      if (this.stopped) {
        await listening.end().catch(() => undefined);
        return;
      }
      this.client = listening;
      this.reconnectMs = FIRST_RECONNECT_MS;
      this.events.listening?.();
      // Whatever was committed while nobody listened is read now, from the cursor.
      this.wake(true);
    } catch (error) {
      void client?.end().catch(() => undefined);
      if (!this.stopped) {
        this.reportLoss(error as Error);
        this.scheduleReconnect();
      }
    }
  }

  private heard(payload: string | undefined): void {
    const signal = decodeSignal(payload);
    if (!signal) return;
    for (const listener of this.signalListeners) {
      try {
        listener(signal);
      } catch {
        // A failing listener must not stop the others hearing it.
      }
    }
  }

  private reportLoss(error: Error): void {
    if (this.stopped || this.lossReported) return;
    this.lossReported = true;
    this.events.lost?.(error);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.reconnectMs;
    this.reconnectMs = Math.min(this.reconnectMs * 2, MAX_RECONNECT_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}

function changeOf(row: ChangeRow, seq: number): CommittedChange {
  return {
    seq,
    change: row.change,
    actorId: row.actor_id,
    task: taskFromRow({ id: row.task_id, body: row.task, seq }),
    previous:
      row.previous === null
        ? null
        : taskFromRow({ id: row.task_id, body: row.previous, seq: Number(row.previous_seq) }),
  };
}
