import { useEffect, useRef, useState } from 'react';
import { useAuth, type Gate } from '../../app/auth-store';
import { SignOutButton } from '../../app/sign-out';
import type { WorklistDb } from '../../data/db';
import type { Principal } from '../../domain';
import { ROLE_WORDS } from '../shared/words';
import { hasRole } from '../../domain';
import { useAlerts } from '../../state/alert-store';
import { unlockTarget, useUnlockLanding, waitingOf, waitingWords } from '../assignments/waiting-while-locked';

/**
 * In front of a signed-in worklist: the idle lock, or a session that can no longer be renewed. The
 * views are unmounted while this shows (no patient name stays in the page); the person's database,
 * sync engine and queued actions carry on underneath. Someone else at the tablet switches user, which
 * deletes this person's data (`signOut`, the one sign-out sequence).
 */
export default function SessionGate({
  gate,
  me,
  db,
  hospitalSignIn,
}: {
  gate: Gate;
  me: Principal;
  /** The person's device database: switching user asks first while actions wait in its outbox. */
  db: WorklistDb;
  /** MSAL (the person signs in again with the authority) rather than the demo (a tap). */
  hospitalSignIn: boolean;
}) {
  const reauthenticate = useAuth((s) => s.reauthenticate);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // [A-P6] What waits for her: counted from the alerts that keep arriving (and ringing) under the lock.
  const alerts = useAlerts((s) => s.alerts);
  const waiting = waitingOf(alerts);
  const waitingCount = waiting.escalations + waiting.newItems;
  const waitingSentence = waitingWords(waiting);

  useEffect(() => {
    // A count, never a patient: the title shows in the tab strip and the task switcher.
    const count = waitingCount > 0 ? `(${waitingCount}) ` : '';
    document.title = gate === 'locked' ? `${count}Locked — Wardline` : `${count}Sign in again — Wardline`;
  }, [gate, waitingCount]);

  useEffect(() => {
    heading.current?.focus();
  }, [gate]);

  async function again() {
    setBusy(true);
    setFailure(null);
    // Where she lands: decided as she unlocks, from what waits then.
    const target = unlockTarget(useAlerts.getState().alerts, hasRole(me, 'ChargeNurse', 'Supervisor'));
    const problem = await reauthenticate();
    if (!problem && target) useUnlockLanding.getState().set(target);
    setFailure(problem);
    setBusy(false);
  }

  const role = me.roles[0] ? ROLE_WORDS[me.roles[0]] : '';
  const action =
    gate === 'expired' ? 'Sign in again' : hospitalSignIn ? `Sign in as ${me.name}` : `Unlock as ${me.name}`;

  return (
    <main className="gate" id="main" data-gate={gate}>
      <span className="brand">Wardline</span>
      <h1 ref={heading} tabIndex={-1}>
        {gate === 'locked' ? 'Wardline is locked' : 'Your session expired — sign in again'}
      </h1>
      <p>
        {gate === 'locked'
          ? 'Locked after a while without use, to keep patient details private. Work already queued keeps syncing in the background.'
          : 'Your hospital sign-in has ended. Your worklist and any actions not sent yet stay on this device and are sent once you sign in again.'}
      </p>
      {waitingSentence && (
        <p className="gate-waiting" role="status">
          <strong>{waitingSentence}</strong> — {gate === 'locked' ? 'unlock' : 'sign in'} to see{' '}
          {waitingCount === 1 ? 'it' : 'them'}
        </p>
      )}
      <p className="gate-who">
        <strong>{me.name}</strong>
        {role ? ` · ${role}` : ''}
        {me.units.length > 0 ? ` · ${me.units.join(', ')}` : ''}
      </p>
      {failure && (
        <p role="alert" className="notice">
          {failure}
        </p>
      )}
      <div className="gate-actions">
        <button
          type="button"
          className="btn btn-primary btn-large"
          disabled={busy}
          aria-busy={busy}
          onClick={() => void again()}
        >
          {action}
        </button>
        <SignOutButton db={db} className="btn btn-quiet" disabled={busy}>
          Not {me.name}? Switch user
        </SignOutButton>
      </div>
    </main>
  );
}
