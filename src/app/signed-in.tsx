import { RouterProvider } from 'react-router/dom';
import { appRouter } from './router';
import { SessionProvider } from './session';
import type { Workspace } from './workspace';

/**
 * Everything behind sign-in — the session's worklist, the router and its views — as its own chunk, so
 * a first visit's sign-in screen loads only what it shows.
 */
/** Creates the router now, ahead of the first render (see `loadSignedInScreen`). */
export function prepareRouter(): void {
  appRouter();
}

export default function SignedIn({ workspace }: { workspace: Workspace }) {
  return (
    <SessionProvider workspace={workspace}>
      <RouterProvider router={appRouter()} />
    </SessionProvider>
  );
}
