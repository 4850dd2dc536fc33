import type { Clock } from '../../server/src/escalation/clock';

interface Timer {
  id: number;
  at: number;
  fn: () => void | Promise<void>;
}

/** A clock the test moves: timers fire in deadline order as time is advanced past them. */
export class FakeClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private nextId = 1;

  /** Starts at the real time by default, so tokens signed now are valid. */
  constructor(start = Date.now()) {
    this.time = start;
  }

  now(): Date {
    return new Date(this.time);
  }

  setTimer(fn: () => void | Promise<void>, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due on the way, at its own time, and
   * waiting for what each one started (an escalation run's store writes) before moving on.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      await due.fn();
    }
    this.time = end;
  }

  minutes(n: number): Promise<void> {
    return this.advance(n * 60_000);
  }
}
