import { lazy, Suspense, useEffect } from 'react';
import { useAuth } from './auth-store';

const SignInScreen = lazy(() => import('../features/sign-in/sign-in-screen'));
const SignedIn = lazy(() => import('./signed-in'));

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
      return (
        <Suspense fallback={<Splash />}>
          <SignedIn workspace={state.workspace} />
        </Suspense>
      );
  }
}
