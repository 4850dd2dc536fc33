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
  /** Actions sent and not yet answered, in the order they were made (the optimistic overlay). */
  pending: Command[];
  notices: Notice[];
  add(command: Command): void;
  settle(commandId: string): void;
  notify(notice: Notice): void;
  dismiss(id: string): void;
}

export const usePending = create<PendingState>((set) => ({
  pending: [],
  notices: [],
  add: (command) => set((s) => ({ pending: [...s.pending, command] })),
  settle: (commandId) => set((s) => ({ pending: s.pending.filter((c) => c.commandId !== commandId) })),
  notify: (notice) => set((s) => ({ notices: [...s.notices, notice] })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
}));
