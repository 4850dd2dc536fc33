import { create } from 'zustand';
import type { Alert } from '../domain';

/**
 * What became of an alert's sound on this device [E7]: played; blocked by the browser until the person
 * taps the page (autoplay rules); silenced here by choice; or no audio in this browser.
 */
export type SoundState = 'idle' | 'played' | 'blocked' | 'silenced' | 'unsupported';

/** The device's choice to silence alerts, kept across sign-ins: a device setting, with no patient data. */
const SILENCED_KEY = 'wardline:alerts-silenced';

function readSilenced(): boolean {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem(SILENCED_KEY) === '1';
  } catch {
    return false;
  }
}

interface AlertState {
  /** Alerts received live in this page, newest first; each is shown while its tasks still escalate. */
  alerts: Alert[];
  sound: SoundState;
  silenced: boolean;
  /** Adds an alert; false when it is already here (the same firing delivered twice rings once). */
  receive(alert: Alert): boolean;
  /** Drops alerts whose tasks no longer need anyone (acknowledged, closed, gone) or that were dismissed. */
  drop(ids: readonly string[]): void;
  setSound(sound: SoundState): void;
  setSilenced(silenced: boolean): void;
}

/** UI state only: alerts live in memory, never in storage (they name tasks and beds). */
export const useAlerts = create<AlertState>((set, get) => ({
  alerts: [],
  sound: 'idle',
  silenced: readSilenced(),
  receive(alert) {
    if (get().alerts.some((a) => a.id === alert.id)) return false;
    set((s) => ({ alerts: [alert, ...s.alerts] }));
    return true;
  },
  drop(ids) {
    if (ids.length === 0) return;
    set((s) => ({ alerts: s.alerts.filter((a) => !ids.includes(a.id)) }));
  },
  setSound: (sound) => set({ sound }),
  setSilenced(silenced) {
    try {
      if (silenced) localStorage.setItem(SILENCED_KEY, '1');
      else localStorage.removeItem(SILENCED_KEY);
    } catch {
      // Storage refused (private mode): the choice holds for this page only.
    }
    set({ silenced });
  },
}));
