import { useMemo, type ReactNode } from 'react';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { AlertBanners } from '../features/escalations/alert-banner';
import { OpenAfterUnlock } from '../features/assignments/waiting-while-locked';
import { CoverageWarning } from '../features/escalations/coverage-warning';
import { countFor, heldUndecided, NEEDS_SOMEONE, SELECTIONS } from '../features/worklist/selections';
import type { ViewId } from '../state/ui-store';
import { ROLE_WORDS } from '../features/shared/words';
import { AboutThisDevice, AboutThisDeviceSection, closeMenuOnEscape } from './about-device';
import { useDeviceClass } from './device';
import { useEditing } from './editing';
import { ConnectionStatus } from './connection-status';
import { viewsFor } from './navigation';
import { Notices } from './notices';
import { usePassingOnTaskIds, useSession, useTasks, useUnsentCount } from './session';
import { SignOutButton } from './sign-out';
import { UpdatePrompt } from './update-prompt';

/**
 * A phone's header is one row (issue 16: every pixel it keeps is one the list loses): the link state,
 * "End my shift", and her name opening a menu with her role, Sign out and "About this device".
 */
function PhoneMenu({ name, roleLine, children }: { name: string; roleLine: string; children: ReactNode }) {
  return (
    <details className="device-menu phone-menu" onKeyDown={closeMenuOnEscape}>
      <summary className="btn btn-header">
        <span className="my-name">{name}</span>
        <span aria-hidden="true"> ▾</span>
      </summary>
      <div className="device-menu-panel">
        <p className="my-role">{roleLine}</p>
        {children}
        <AboutThisDeviceSection />
      </div>
    </details>
  );
}

/**
 * The frame around every view: who is signed in and whether the worklist is live (header), the views
 * of the person's role with how much waits in each (navigation: tabs on tablets and desktops, a bottom
 * bar within thumb reach on phones), and the relay's refusals above the view.
 */
export function Shell() {
  const { me, db } = useSession();
  const tasks = useTasks();
  const views = useMemo(() => viewsFor(me), [me]);
  const counts = useMemo(
    () =>
      new Map(
        views.map((v) => [v.id, tasks && v.id in SELECTIONS ? countFor(v.id as ViewId, tasks, me) : null]),
      ),
    [views, tasks, me],
  );
  const role = me.roles[0] ? ROLE_WORDS[me.roles[0]] : '';
  const unsent = useUnsentCount();
  const navigate = useNavigate();
  const passing = usePassingOnTaskIds();
  const held = useMemo(
    () => (tasks ? heldUndecided(tasks, me).filter((t) => !passing.has(t.id)) : []),
    [tasks, me, passing],
  );
  const worksShifts = views.some((v) => v.id === 'my-work');
  const editing = useEditing();
  const phone = useDeviceClass() === 'phone';
  const roleLine = `${role}${me.units.length > 0 ? ` · ${me.units.join(', ')}` : ''}`;
  const endShift = worksShifts && (
    <Link to="/end-shift" className="btn btn-header end-shift-link">
      End my shift
    </Link>
  );
  const signOut = (
    <SignOutButton
      db={db}
      className="btn btn-header"
      held={held}
      onHandOn={(start) => void navigate('/end-shift', { state: { start } })}
    >
      Sign out
    </SignOutButton>
  );

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to the worklist
      </a>
      <header className="app-header">
        <span className="brand">Wardline</span>
        <ConnectionStatus />
        {phone ? (
          <>
            {endShift}
            <PhoneMenu name={me.name} roleLine={roleLine}>
              {signOut}
            </PhoneMenu>
          </>
        ) : (
          <>
            <div className="who-am-i">
              <span className="my-name">{me.name}</span>
              <span className="my-role">{roleLine}</span>
            </div>
            <AboutThisDevice />
            {endShift}
            {signOut}
          </>
        )}
      </header>
      {views.length > 0 && (
        <nav className="app-nav" aria-label="Views">
          <ul>
            {views.map((v) => {
              const count = counts.get(v.id);
              return (
                <li key={v.id}>
                  <NavLink to={v.path} className="nav-link">
                    <span className="nav-label">
                      {v.shortLabel ? (
                        <>
                          <span className="label-long">{v.label}</span>
                          <span className="label-short" aria-hidden="true">
                            {v.shortLabel}
                          </span>
                        </>
                      ) : (
                        v.label
                      )}
                    </span>
                    {count != null && (
                      <span className="nav-count">
                        {count}
                        <span className="sr-only">
                          {` ${NEEDS_SOMEONE[v.id as ViewId]?.words ?? 'tasks'}`}
                        </span>
                      </span>
                    )}
                  </NavLink>
                </li>
              );
            })}
          </ul>
        </nav>
      )}
      <main id="main" className="app-main" tabIndex={-1}>
        <UpdatePrompt canReload={unsent === 0 && !editing} />
        <OpenAfterUnlock />
        <AlertBanners />
        <CoverageWarning />
        <Notices />
        <Outlet />
      </main>
    </div>
  );
}
