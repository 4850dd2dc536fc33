import { create } from 'zustand';

/** The list views of the app; each is a route and has its own filter and sort. */
export type ViewId = 'my-work' | 'queue' | 'discharge' | 'exceptions' | 'escalations';

export interface SortState {
  column: string;
  direction: 'asc' | 'desc';
}

/** A short message about a keyboard action that could not be done ("Nothing selected"). */
export interface Hint {
  text: string;
  at: number;
}

interface UiState {
  /**
   * Filter text per view. Memory only: what a nurse types may name a patient, so it never goes to
   * localStorage or the URL.
   */
  filters: Partial<Record<ViewId, string>>;
  sorts: Partial<Record<ViewId, SortState>>;
  /** Single-key shortcuts (j/k/c/a/r, /) can be switched off: WCAG 2.1.4 Character Key Shortcuts. */
  shortcutsOn: boolean;
  hint: Hint | null;
  setFilter(view: ViewId, text: string): void;
  setSort(view: ViewId, sort: SortState): void;
  setShortcutsOn(on: boolean): void;
  showHint(text: string): void;
  clearHint(): void;
  reset(): void;
}

const SHORTCUTS_KEY = 'wardline.shortcuts';

function storedShortcutsOn(): boolean {
  try {
    return localStorage.getItem(SHORTCUTS_KEY) !== 'off';
  } catch {
    return true;
  }
}

export const useUi = create<UiState>((set) => ({
  filters: {},
  sorts: {},
  shortcutsOn: storedShortcutsOn(),
  hint: null,
  setFilter: (view, text) => set((s) => ({ filters: { ...s.filters, [view]: text } })),
  setSort: (view, sort) => set((s) => ({ sorts: { ...s.sorts, [view]: sort } })),
  setShortcutsOn: (on) => {
    try {
      localStorage.setItem(SHORTCUTS_KEY, on ? 'on' : 'off');
    } catch {
      // Private mode or full storage: the choice lasts for this page only.
    }
    set({ shortcutsOn: on });
  },
  showHint: (text) => set({ hint: { text, at: Date.now() } }),
  clearHint: () => set({ hint: null }),
  // Sign-out: nothing typed by the last person survives for the next one.
  reset: () => set({ filters: {}, sorts: {}, hint: null }),
}));
