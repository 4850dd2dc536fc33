/**
 * Time, injectable: the scheduler and the store read "now" and set timers only through this, so tests
 * can move minutes in milliseconds and a restart can be staged at any minute.
 */
export interface Clock {
  now(): Date;
  /** `fn` may return a promise: a test clock waits for it before moving on; real timers do not. */
  setTimer(fn: () => void | Promise<void>, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (fn, ms) => {
    const handle = setTimeout(() => void fn(), ms);
    handle.unref();
    return handle;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
