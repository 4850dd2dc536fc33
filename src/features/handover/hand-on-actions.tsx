import { useEffect, useRef, useState } from 'react';
import type { Task } from '../../domain';
import type { Execute } from '../../app/session';
import { useUi } from '../../state/ui-store';
import { HAND_ON_BUTTONS } from '../task/action-registry';
import type { TaskOffers } from '../task/available-actions';
import { ColleaguePicker } from './colleague-picker';
import { HandoverForm } from './handover-form';

/** The desktop key that opens the reassign picker (WCAG 2.1.4: off with the other single-key shortcuts). */
const REASSIGN_KEY = HAND_ON_BUTTONS.reassign.key;

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Giving this task to someone else: "Reassign…" for a charge nurse or coordinator (a named colleague,
 * at once) and "Hand over…" for its owner (an offer with a note, hers until accepted). Buttons only for
 * what `decide` would apply. Key `g` opens the reassign picker.
 */
export function HandOnActions({
  task,
  offers,
  execute,
}: {
  task: Task;
  offers: TaskOffers;
  execute: Execute;
}) {
  const [open, setOpen] = useState<'reassign' | 'handover' | null>(null);
  const shortcutsOn = useUi((s) => s.shortcutsOn);
  const canReassign = offers.reassign;
  const opener = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!shortcutsOn || !canReassign) return;
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key !== REASSIGN_KEY || isTyping(event.target)) return;
      event.preventDefault();
      setOpen('reassign');
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [shortcutsOn, canReassign]);

  if (!offers.reassign && !offers.handOver) return null;
  const close = () => {
    setOpen(null);
    opener.current?.focus();
  };
  return (
    <div className="hand-on">
      {open === null && (
        <div className="action-row" role="group" aria-label="Give this task to someone">
          {offers.handOver && (
            <button type="button" className="btn" ref={opener} onClick={() => setOpen('handover')}>
              {HAND_ON_BUTTONS.handOver.label}
            </button>
          )}
          {offers.reassign && (
            <button
              type="button"
              className="btn"
              aria-keyshortcuts={shortcutsOn ? REASSIGN_KEY : undefined}
              onClick={() => setOpen('reassign')}
            >
              {HAND_ON_BUTTONS.reassign.label}
              {shortcutsOn && (
                <kbd className="key-hint" aria-hidden="true">
                  {REASSIGN_KEY}
                </kbd>
              )}
            </button>
          )}
        </div>
      )}
      {open === 'reassign' && (
        <ColleaguePicker
          tasks={[task]}
          type="reassign"
          label="Reassign to"
          onPick={(colleague) => {
            void execute(task.id, 'reassign', { to: { id: colleague.id } });
            close();
          }}
          onCancel={close}
        />
      )}
      {open === 'handover' && (
        <HandoverForm tasks={[task]} heading="Hand over this task" onDone={close} onCancel={close} />
      )}
    </div>
  );
}
