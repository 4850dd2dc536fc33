import { create } from 'zustand';
import type { Command } from '../domain';

/**
 * An action this tab just made, shown from the moment of the tap until the device database's outbox
 * (read asynchronously) includes it: without it a ticked box would untick for a frame.
 */
export interface JustMade {
  command: Command;
  /** `performance.now()` when the outbox row was committed; null while the write is in flight. */
  savedAt: number | null;
}

/**
 * A message for the person that could not be kept on the device (the device is out of storage, so the
 * action was not saved). The relay's refusals of actions live in the device database's "Needs attention"
 * list instead, which survives a reload (docs/SYNC.md [S8]).
 */
export interface Notice {
  id: string;
  taskId: string;
  message: string;
  at: string;
}

/** This tab's in-memory share of the pending work: actions just made, and notices the device could not keep. */
interface PendingState {
  justMade: JustMade[];
  made(command: Command): void;
  saved(commandId: string, at: number): void;
  forget(commandIds: readonly string[]): void;
  notices: Notice[];
  notify(notice: Notice): void;
  dismiss(id: string): void;
  /** Sign-out: nothing of the last person's work stays in memory. */
  reset(): void;
}

export const usePending = create<PendingState>((set) => ({
  justMade: [],
  made: (command) => set((s) => ({ justMade: [...s.justMade, { command, savedAt: null }] })),
  saved: (commandId, at) =>
    set((s) => ({
      justMade: s.justMade.map((j) => (j.command.commandId === commandId ? { ...j, savedAt: at } : j)),
    })),
  forget: (ids) => set((s) => ({ justMade: s.justMade.filter((j) => !ids.includes(j.command.commandId)) })),
  notices: [],
  notify: (notice) => set((s) => ({ notices: [...s.notices, notice] })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  reset: () => set({ justMade: [], notices: [] }),
}));
