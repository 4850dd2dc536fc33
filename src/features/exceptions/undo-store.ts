import { create } from 'zustand';

/**
 * Dismissing an exception or sending it back upstream waits a few seconds before it is sent, so a
 * wrong tap can be undone. Memory only, deliberately: the action reaches the outbox (and from there
 * the relay, docs/SYNC.md) only when the window passes. A tab closed or reloaded during the window
 * sends nothing — the person sees the exceptions still open and decides again (docs/TASK-LISTS.md L9).
 */
export const UNDO_WINDOW_MS = 5_000;

export interface PendingOutcome {
  id: number;
  /** "Dismissed 11 exceptions", shown beside Undo. */
  words: string;
  taskIds: string[];
  until: number;
}

interface UndoState {
  pending: PendingOutcome | null;
  /** Starts the window; a second action first sends the one waiting (it was not undone). */
  hold(words: string, taskIds: string[], send: () => void): void;
  undo(): void;
  /** Sends what waits now (the "Send now" button, or leaving the page is not it: that drops it). */
  flush(): void;
}

let nextId = 1;
let timer: ReturnType<typeof setTimeout> | null = null;
let sendWaiting: (() => void) | null = null;

function clear() {
  if (timer) clearTimeout(timer);
  timer = null;
  sendWaiting = null;
}

export const useUndo = create<UndoState>((set, get) => ({
  pending: null,
  hold(words, taskIds, send) {
    get().flush();
    const id = nextId++;
    sendWaiting = send;
    timer = setTimeout(() => {
      if (get().pending?.id === id) get().flush();
    }, UNDO_WINDOW_MS);
    set({ pending: { id, words, taskIds, until: Date.now() + UNDO_WINDOW_MS } });
  },
  undo() {
    clear();
    set({ pending: null });
  },
  flush() {
    const send = sendWaiting;
    clear();
    set({ pending: null });
    send?.();
  },
}));
