import { useLiveQuery } from 'dexie-react-hooks';
import { useRef, useState, type ReactNode } from 'react';
import type { Task } from '../domain';
import type { WorklistDb } from '../data/db';
import { useAuth } from './auth-store';

/** How she chose to pass on her work at sign-out: the end-of-shift page opens in that mode. */
export type HandOnChoice = 'colleague' | 'queue';

/**
 * Sign-out (and "Switch user") deletes this person's device database, outbox included. While actions
 * wait to be sent it asks first [S11], saying how many and that they would be lost; staying signed in
 * is the default. The count is read from the database itself, so the question is the same on the
 * worklist and on the lock screen (where the views, and their overlay, are unmounted).
 *
 * With `held` (the worklist's view: tasks she has claimed and not handed on), it first lists them and
 * asks (docs/HANDOFFS.md, end of shift): hand all to a colleague, return all to the queue, or keep them
 * (she is still on shift and only leaving this device). Nothing moves without her choice.
 */
export function SignOutButton({
  db,
  className,
  disabled,
  held = [],
  onHandOn,
  children,
}: {
  db: WorklistDb;
  className: string;
  disabled?: boolean;
  held?: readonly Task[];
  onHandOn?(choice: HandOnChoice): void;
  children: ReactNode;
}) {
  const signOut = useAuth((s) => s.signOut);
  const unsent = useLiveQuery(() => db.outbox.count(), [db]) ?? 0;
  const dialog = useRef<HTMLDialogElement>(null);
  const holding = useRef<HTMLDialogElement>(null);
  // The held tasks (patient names) are in the page only while the question is open, not in a closed dialog.
  const [askingHeld, setAskingHeld] = useState(false);
  const askUnsent = () => {
    if (unsent === 0) void signOut();
    else dialog.current?.showModal();
  };
  const ask = () => {
    if (held.length > 0 && onHandOn) {
      setAskingHeld(true);
      holding.current?.showModal();
    } else askUnsent();
  };
  const handOn = (choice: HandOnChoice) => {
    holding.current?.close();
    onHandOn?.(choice);
  };
  const them = unsent === 1 ? 'it' : 'them';
  const n = held.length;
  return (
    <>
      <button type="button" className={className} disabled={disabled} onClick={ask}>
        {children}
      </button>
      {onHandOn && (
        <dialog
          ref={holding}
          className="confirm-dialog held-dialog"
          aria-labelledby="held-title"
          onClose={() => setAskingHeld(false)}
        >
          <h2 id="held-title">You still hold {n === 1 ? '1 task' : `${n} tasks`}</h2>
          <p>Nothing is passed on without your choice.</p>
          <ul className="held-list">
            {(askingHeld ? held : []).map((task) => (
              <li key={task.id}>
                <span className="strong">{task.title}</span>
                {task.patient && (
                  <span className="muted">
                    {' '}
                    · {task.patient.name}
                    {task.patient.bed ? `, bed ${task.patient.bed}` : ''}
                  </span>
                )}
              </li>
            ))}
          </ul>
          <div className="held-actions">
            <button type="button" className="btn btn-primary" autoFocus onClick={() => handOn('colleague')}>
              Hand {n === 1 ? 'it' : 'all'} to a colleague…
            </button>
            <button type="button" className="btn" onClick={() => handOn('queue')}>
              Return {n === 1 ? 'it' : 'all'} to the unit queue…
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                holding.current?.close();
                askUnsent();
              }}
            >
              Keep {n === 1 ? 'it' : 'them'} and sign out
            </button>
            <button type="button" className="btn btn-quiet" onClick={() => holding.current?.close()}>
              Stay signed in
            </button>
          </div>
          <p className="muted small">Keep them if you are still on shift and only leaving this device.</p>
        </dialog>
      )}
      <dialog ref={dialog} className="confirm-dialog" aria-labelledby="sign-out-title">
        <h2 id="sign-out-title">Sign out with unsent work?</h2>
        <p>
          {unsent === 1 ? '1 action is' : `${unsent} actions are`} not sent to Wardline yet. Signing out
          deletes {them} from this device. Stay signed in until the device is back online to keep {them}.
        </p>
        <div className="confirm-actions">
          <button type="button" className="btn" autoFocus onClick={() => dialog.current?.close()}>
            Stay signed in
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              dialog.current?.close();
              void signOut();
            }}
          >
            Sign out and lose {them}
          </button>
        </div>
      </dialog>
    </>
  );
}
