import { create } from 'zustand';
import type { LinkState } from '../data/sync-engine';

export type { LinkState };

interface ConnectionState {
  link: LinkState;
  /** When the device last finished a sync with the relay (ISO), or null if never. */
  lastSyncedAt: string | null;
  /** A sync in progress (first load, or catching up after a reconnect). */
  syncing: boolean;
  setLink(link: LinkState): void;
  setSynced(at: string): void;
  setSyncing(syncing: boolean): void;
  /** Sign-out: the next person starts from "connecting", not from the last person's sync time. */
  reset(): void;
}

/** UI state only (STYLE: zustand for UI state; the worklist itself lives in Dexie). */
export const useConnection = create<ConnectionState>((set) => ({
  link: 'connecting',
  lastSyncedAt: null,
  syncing: false,
  setLink: (link) => set({ link }),
  setSynced: (lastSyncedAt) => set({ lastSyncedAt, syncing: false }),
  setSyncing: (syncing) => set({ syncing }),
  reset: () => set({ link: 'connecting', lastSyncedAt: null, syncing: false }),
}));
