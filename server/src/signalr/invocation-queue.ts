import type { Logger } from '../log';
import type { RateBucket } from './rate';

/**
 * One connection's invocations, run at most `maxParallel` at a time in arrival order (ASP.NET's
 * MaximumParallelInvocationsPerClient, 1 by default: commands apply in the order they were sent).
 * Nothing runs before `start()` (onConnected settles first). When `maxQueued` wait, reading from the
 * client stops (`onPause`) until half of them are done (`onResume`): a client cannot grow the queue
 * without bound.
 *
 * Fairness: each invocation starts from its own macrotask (setImmediate), never straight after the
 * previous one, so every other connection's next invocation and every waiting HTTP request get their
 * turn in between; and each start takes a token from every bucket (the connection's, its user's), so
 * a flood waits for its turn instead of taking the relay's whole time.
 */
export class InvocationQueue {
  private readonly jobs: Array<() => Promise<void>> = [];
  private active = 0;
  private started = false;
  private stopped = false;
  private pausedReading = false;
  private waiters: Array<() => void> = [];
  private turnScheduled = false;
  private rateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      maxParallel: number;
      maxQueued: number;
      logger: Logger;
      connectionId: string;
      /** Buckets every start draws from; the queue waits until all of them have a token. */
      buckets: readonly RateBucket[];
      now(): number;
      /** An invocation had to wait for a bucket. */
      onDelayed(): void;
      onPause(): void;
      onResume(): void;
    },
  ) {}

  /** True while reading is paused because of this queue (the client's silence is then not its fault). */
  get paused(): boolean {
    return this.pausedReading;
  }

  push(job: () => Promise<void>): void {
    if (this.stopped) return;
    this.jobs.push(job);
    if (!this.pausedReading && this.jobs.length >= this.options.maxQueued) {
      this.pausedReading = true;
      this.options.onPause();
    }
    this.scheduleTurn();
  }

  start(): void {
    this.started = true;
    this.scheduleTurn();
  }

  /** Drops what has not started; running jobs finish on their own. */
  stop(): void {
    this.stopped = true;
    this.jobs.length = 0;
    if (this.rateTimer) clearTimeout(this.rateTimer);
    this.rateTimer = undefined;
    this.releaseWaiters();
  }

  /** Resolves once the queue has room: POST sends answer only then (their form of backpressure). */
  hasRoom(): Promise<void> {
    if (this.stopped || this.jobs.length < this.options.maxQueued) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next start happens in a later turn of the event loop, after I/O that is already waiting. */
  private scheduleTurn(): void {
    if (this.turnScheduled || this.rateTimer || !this.started || this.stopped) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.started && !this.stopped && this.active < this.options.maxParallel && this.jobs.length > 0) {
      const now = this.options.now();
      const wait = Math.max(0, ...this.options.buckets.map((bucket) => bucket.waitMs(now)));
      if (wait > 0) {
        this.options.onDelayed();
        this.rateTimer = setTimeout(() => {
          this.rateTimer = undefined;
          this.pump();
        }, wait);
      } else {
        for (const bucket of this.options.buckets) bucket.take(now);
        this.run(this.jobs.shift() as () => Promise<void>);
        // With room for more in parallel, the next one also waits for its own turn.
        this.scheduleTurn();
      }
    }
    if (this.jobs.length < this.options.maxQueued / 2) {
      if (this.pausedReading) {
        this.pausedReading = false;
        this.options.onResume();
      }
      this.releaseWaiters();
    }
  }

  private run(job: () => Promise<void>): void {
    this.active++;
    job()
      .catch((err: unknown) =>
        this.options.logger.error(
          { err, connectionId: this.options.connectionId },
          'signalr: invocation failed',
        ),
      )
      .finally(() => {
        this.active--;
        this.scheduleTurn();
      });
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
