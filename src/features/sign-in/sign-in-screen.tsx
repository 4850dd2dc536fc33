import { useEffect, useState } from 'react';
import type { RelayConfig } from '../../data/api';
import { listDemoStaff, type DemoStaffMember } from '../../data/auth/token-source';
import { useAuth, warmUpSignedIn } from '../../app/auth-store';
import { ROLES, type Role } from '../../domain';
import { ROLE_WORDS } from '../shared/words';

/** People only: the integration account feeds events and has no worklist. */
const PEOPLE_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'Ingest');

type StaffState =
  { status: 'loading' } | { status: 'ready'; staff: DemoStaffMember[] } | { status: 'failed' };

/**
 * Signing in. In development mode the relay's demo staff are listed and one tap signs in as one of them
 * (through the token source interface, so Entra sign-in replaces this screen, not the app). In
 * production mode this build has no hospital sign-in yet (issue #7) and says so.
 */
export default function SignInScreen({
  config,
  error,
}: {
  config: RelayConfig | null;
  error: string | null;
}) {
  useEffect(() => {
    document.title = 'Sign in — Wardline';
  }, []);
  return (
    <main className="sign-in" id="main">
      <h1>
        <span className="brand">Wardline</span> Sign in
      </h1>
      {config === null ? (
        <Unreachable error={error} />
      ) : config.mode === 'development' ? (
        <DemoSignIn />
      ) : (
        <p>
          This Wardline expects sign-in with your hospital account, which this version of the app does not
          include yet. Ask your administrator.
        </p>
      )}
    </main>
  );
}

function Unreachable({ error }: { error: string | null }) {
  const retry = useAuth((s) => s.retry);
  return (
    <div role="alert" className="panel">
      <p>{error ?? 'Wardline cannot be reached.'}</p>
      <button type="button" className="btn btn-primary" onClick={() => void retry()}>
        Try again
      </button>
    </div>
  );
}

function DemoSignIn() {
  const signIn = useAuth((s) => s.signInWithDemo);
  const [staff, setStaff] = useState<StaffState>({ status: 'loading' });
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    listDemoStaff().then(
      (list) => setStaff({ status: 'ready', staff: list }),
      () => setStaff({ status: 'failed' }),
    );
  }, []);
  // The names are on screen: load what a tap on one needs while the person reads them.
  useEffect(() => {
    if (staff.status !== 'ready') return;
    const timer = setTimeout(warmUpSignedIn, 0);
    return () => clearTimeout(timer);
  }, [staff.status]);

  async function choose(member: DemoStaffMember) {
    setBusy(member.id);
    setFailure(null);
    try {
      await signIn(member.id);
    } catch {
      setFailure(`Could not sign in as ${member.name}. Check the connection and try again.`);
      setBusy(null);
    }
  }

  if (staff.status === 'loading') return <p role="status">Loading the demo staff…</p>;
  if (staff.status === 'failed') return <p role="alert">The demo staff list could not be loaded.</p>;

  const groups = PEOPLE_ROLES.map((role) => ({
    role,
    people: staff.staff.filter((s) => s.role === role),
  })).filter((g) => g.people.length > 0);

  return (
    <>
      <p className="sign-in-note">
        Demo mode: choose who you are. Everyone here is fictional, and so are their patients.
      </p>
      {failure && (
        <p role="alert" className="notice">
          {failure}
        </p>
      )}
      {groups.map((group) => (
        <section key={group.role} className="staff-group" aria-labelledby={`role-${group.role}`}>
          <h2 id={`role-${group.role}`}>{ROLE_WORDS[group.role]}s</h2>
          <ul className="staff-list">
            {group.people.map((member) => (
              <li key={member.id}>
                <button
                  type="button"
                  className="staff-button"
                  disabled={busy !== null}
                  aria-busy={busy === member.id}
                  onClick={() => void choose(member)}
                >
                  <span className="staff-name">{member.name}</span>
                  <span className="staff-units">
                    {member.units.length > 0 ? member.units.join(', ') : 'No units'}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
