import { lazy, Suspense, useEffect } from 'react';
import { useAuth } from './auth-store';
import { loadSignedInScreen } from './signed-in-chunk';

const SignInScreen = lazy(() => import('../features/sign-in/sign-in-screen'));
const SignedIn = lazy(loadSignedInScreen);
const SessionGate = lazy(() => import('../features/sign-in/session-gate'));

function Splash() {
  return (
    <div className="splash" role="status">
      <span className="brand">Wardline</span>
      <span>Opening…</span>
    </div>
  );
}

/**
 * The app's front door: a stored session opens the person's worklist straight away (even offline);
 * otherwise the sign-in screen, which is its own chunk because signed-in devices rarely need it.
 */
export function App() {
  const state = useAuth((s) => s.state);
  useEffect(() => {
    void useAuth.getState().start();
  }, []);

  switch (state.status) {
    case 'starting':
      return <Splash />;
    case 'signed-out':
      return (
        <Suspense fallback={<Splash />}>
          <SignInScreen config={state.config} error={state.error} />
        </Suspense>
      );
    case 'signed-in':
      // Locked or expired: the views are unmounted (no patient name left in the page) while the
      // workspace keeps syncing; they mount again, where the person was, once they are back.
      return (
        <Suspense fallback={<Splash />}>
          {state.gate ? (
            <SessionGate
              gate={state.gate}
              me={state.workspace.me}
              db={state.workspace.db}
              hospitalSignIn={state.workspace.tokens.kind === 'msal'}
            />
          ) : (
            <SignedIn workspace={state.workspace} />
          )}
        </Suspense>
      );
  }
}
