import { useLiveQuery } from 'dexie-react-hooks';
import { useRef, type ReactNode } from 'react';
import type { WorklistDb } from '../data/db';
import { useAuth } from './auth-store';

/**
 * Sign-out (and "Switch user") deletes this person's device database, outbox included. While actions
 * wait to be sent it asks first [S11], saying how many and that they would be lost; staying signed in
 * is the default. The count is read from the database itself, so the question is the same on the
 * worklist and on the lock screen (where the views, and their overlay, are unmounted).
 */
export function SignOutButton({
  db,
  className,
  disabled,
  children,
}: {
  db: WorklistDb;
  className: string;
  disabled?: boolean;
  children: ReactNode;
}) {
  const signOut = useAuth((s) => s.signOut);
  const unsent = useLiveQuery(() => db.outbox.count(), [db]) ?? 0;
  const dialog = useRef<HTMLDialogElement>(null);
  const ask = () => {
    if (unsent === 0) void signOut();
    else dialog.current?.showModal();
  };
  const them = unsent === 1 ? 'it' : 'them';
  return (
    <>
      <button type="button" className={className} disabled={disabled} onClick={ask}>
        {children}
      </button>
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
