import { useEffect, useState } from 'react';
import type { RelayConfig } from '../../data/api';
import { listDemoStaff, type DemoStaffMember } from '../../data/auth/token-source';
import { useAuth } from '../../app/auth-store';
import { warmUpSignedIn } from '../../app/signed-in-chunk';
import { ROLES, type Role } from '../../domain';
import { ROLE_WORDS } from '../shared/words';

/** People only: the integration account feeds events and has no worklist. */
const PEOPLE_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'Ingest');

type StaffState =
  { status: 'loading' } | { status: 'ready'; staff: DemoStaffMember[] } | { status: 'failed' };

/**
 * Signing in. With an identity provider (the relay's `/config.json` names one) a button leaves for the
 * hospital's sign-in page (MSAL); the demo is never offered then. In development mode the relay's demo
 * staff are listed and one tap signs in as one of them. A production relay without sign-in settings
 * says so rather than offering anything.
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
      <p className="sign-in-what">
        Wardline is the ward’s shared worklist: critical results to acknowledge, discharges and follow-ups,
        claimed and finished by the nurses on the unit, with escalations when nobody answers.
      </p>
      {config === null ? (
        <Unreachable error={error} />
      ) : config.auth ? (
        <HospitalSignIn error={error} />
      ) : config.mode === 'development' ? (
        <DemoSignIn />
      ) : (
        <p role="alert">
          This Wardline expects sign-in with your hospital account, but its sign-in settings are missing
          (AUTH_SPA_CLIENT_ID on the relay). Ask your administrator.
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

function HospitalSignIn({ error }: { error: string | null }) {
  const signIn = useAuth((s) => s.signInWithMsal);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(error);
  // Load MSAL and the signed-in half while the person reads the page.
  useEffect(() => {
    const timer = setTimeout(() => warmUpSignedIn(true), 0);
    return () => clearTimeout(timer);
  }, []);

  async function go() {
    setBusy(true);
    setFailure(null);
    try {
      await signIn();
    } catch {
      setFailure('The hospital sign-in page could not be opened. Check the connection and try again.');
      setBusy(false);
    }
  }

  return (
    <div className="panel sign-in-hospital">
      <p>Sign in with your hospital account to see your worklist.</p>
      {failure && (
        <p role="alert" className="notice">
          {failure}
        </p>
      )}
      <button
        type="button"
        className="btn btn-primary btn-large"
        disabled={busy}
        aria-busy={busy}
        onClick={() => void go()}
      >
        Sign in with your hospital account
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

  const firstNurse = staff.staff.find((s) => s.role === 'Nurse');
  const firstCharge = staff.staff.find(
    (s) => s.role === 'ChargeNurse' && s.units.some((u) => firstNurse?.units.includes(u)),
  );
  return (
    <>
      <p className="sign-in-note">
        Demo mode: choose who you are. Everyone here is fictional, and so are their patients.
      </p>
      {firstNurse && (
        <p className="sign-in-suggest">
          New here? Start as <strong>{firstNurse.name}</strong>, a nurse on {firstNurse.units.join(', ')}:
          claim a task from the unit queue and work through it
          {firstCharge ? `; then try ${firstCharge.name}, the charge nurse who sees what escalates` : ''}.
        </p>
      )}
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
