import { create } from 'zustand';
import type { Command } from '../domain';

/** An action's answer the user should read: a refusal in the relay's words, kept until dismissed. */
export interface Notice {
  id: string;
  taskId: string;
  message: string;
  at: string;
}

interface PendingState {
  /** Actions sent and not yet reflected in the device's copy, in the order they were made (the overlay). */
  pending: Command[];
  /**
   * Actions the relay applied, with the `seq` of the task it answered with. They stay in the overlay
   * until the device's copy of the task reaches that seq, so the screen never flickers back to the old
   * state between the relay's answer and the database read that follows it.
   */
  confirmedAt: Record<string, number>;
  notices: Notice[];
  add(command: Command): void;
  confirm(commandId: string, seq: number): void;
  settle(commandId: string): void;
  notify(notice: Notice): void;
  dismiss(id: string): void;
  /** Sign-out: nothing of the last person's work stays in memory. */
  reset(): void;
}

export const usePending = create<PendingState>((set) => ({
  pending: [],
  confirmedAt: {},
  notices: [],
  add: (command) => set((s) => ({ pending: [...s.pending, command] })),
  confirm: (commandId, seq) => set((s) => ({ confirmedAt: { ...s.confirmedAt, [commandId]: seq } })),
  settle: (commandId) =>
    set((s) => {
      const { [commandId]: _gone, ...confirmedAt } = s.confirmedAt;
      return { pending: s.pending.filter((c) => c.commandId !== commandId), confirmedAt };
    }),
  notify: (notice) => set((s) => ({ notices: [...s.notices, notice] })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  reset: () => set({ pending: [], confirmedAt: {}, notices: [] }),
}));
