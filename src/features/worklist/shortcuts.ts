import { useEffect, useLayoutEffect, useRef } from 'react';
import { useUi } from '../../state/ui-store';
import { LIST_SHORTCUTS, type ShortcutAction } from '../task/action-registry';

interface Handlers {
  onMove(delta: 1 | -1): void;
  onFilter(): void;
  onAction(action: ShortcutAction): void;
}

/** Where typed characters are text, not commands. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * The list's single-key shortcuts: j/k move, / filter, and the actions' keys (`LIST_SHORTCUTS`). Off while the
 * person types in a field, with a modifier held, or when they switched shortcuts off (WCAG 2.1.4).
 */
export function useListShortcuts(handlers: Handlers): void {
  const on = useUi((s) => s.shortcutsOn);
  // The latest handlers without re-binding the listener on every render, swapped in as the render is
  // committed: a key pressed once the screen shows a selection must act on that selection. (A passive
  // effect runs after the paint, so a key in between used the previous render's handlers, and j moved to
  // the row already selected: the press was lost.)
  const latest = useRef(handlers);
  useLayoutEffect(() => {
    latest.current = handlers;
  });
  useEffect(() => {
    if (!on) return;
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTyping(event.target)) return;
      const h = latest.current;
      switch (event.key) {
        case 'j':
          h.onMove(1);
          break;
        case 'k':
          h.onMove(-1);
          break;
        case '/':
          h.onFilter();
          break;
        default:
          if (!Object.hasOwn(LIST_SHORTCUTS, event.key)) return;
          h.onAction(LIST_SHORTCUTS[event.key as keyof typeof LIST_SHORTCUTS]);
      }
      event.preventDefault();
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [on]);
}
