import { useEffect } from 'react';

/** Sets the tab's title to the view's name: never a patient's, which would show in history and tab lists. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} — Wardline`;
  }, [title]);
}
