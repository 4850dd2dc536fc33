import type { Logger } from '../log';

/**
 * One connection's invocations, run at most `maxParallel` at a time in arrival order (ASP.NET's
 * MaximumParallelInvocationsPerClient, 1 by default: commands apply in the order they were sent).
 * Nothing runs before `start()` (onConnected settles first). When `maxQueued` wait, reading from the
 * client stops (`onPause`) until half of them are done (`onResume`): a client cannot grow the queue
 * without bound.
 */
export class InvocationQueue {
  private readonly jobs: Array<() => Promise<void>> = [];
  private active = 0;
  private started = false;
  private stopped = false;
  private pausedReading = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly options: {
      maxParallel: number;
      maxQueued: number;
      logger: Logger;
      connectionId: string;
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
    this.pump();
  }

  start(): void {
    this.started = true;
    this.pump();
  }

  /** Drops what has not started; running jobs finish on their own. */
  stop(): void {
    this.stopped = true;
    this.jobs.length = 0;
    this.releaseWaiters();
  }

  /** Resolves once the queue has room: POST sends answer only then (their form of backpressure). */
  hasRoom(): Promise<void> {
    if (this.stopped || this.jobs.length < this.options.maxQueued) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pump(): void {
    while (this.started && !this.stopped && this.active < this.options.maxParallel && this.jobs.length > 0) {
      const job = this.jobs.shift() as () => Promise<void>;
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
          this.pump();
        });
    }
    if (this.jobs.length < this.options.maxQueued / 2) {
      if (this.pausedReading) {
        this.pausedReading = false;
        this.options.onResume();
      }
      this.releaseWaiters();
    }
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
