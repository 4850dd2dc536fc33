import { useSyncExternalStore } from 'react';

/**
 * A clock that ticks every `periodMs` while something on screen reads it, and stops when nothing does.
 * One per period for the whole app, however many rows read it.
 */
function ticking(periodMs: number): { subscribe: (listener: () => void) => () => void; read: () => number } {
  let now = Date.now();
  const listeners = new Set<() => void>();
  let timer: ReturnType<typeof setInterval> | null = null;
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) {
        now = Date.now();
        timer = setInterval(() => {
          now = Date.now();
          for (const l of listeners) l();
        }, periodMs);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    read: () => now,
  };
}

/**
 * The shared clock for "overdue", ages and "next level at": it ticks every 15 s, which is finer than
 * anything those show (minutes) and cheap for a 5,000-task list.
 */
const quarterMinute = ticking(15_000);

/**
 * A countdown needs seconds: this clock runs only while a countdown is on screen, and a virtual list
 * keeps that to the rows in view.
 */
const second = ticking(1_000);

export function useNow(): number {
  return useSyncExternalStore(quarterMinute.subscribe, quarterMinute.read);
}

export function useSecondClock(): number {
  return useSyncExternalStore(second.subscribe, second.read);
}
