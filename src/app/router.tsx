import type { ComponentType } from 'react';
import { Navigate, Link, createBrowserRouter, type RouteObject } from 'react-router';
import type { ViewId } from '../state/ui-store';
import { homePathFor, VIEW_LINKS } from './navigation';
import { useSession } from './session';
import { Shell } from './shell';

type RouteModule = { Component: ComponentType };

/**
 * A list view and, under it, one task beside the list (`/queue/<task id>`). Both load on first use:
 * the first screen needs only the shell and one list, not the task screen or the other lists.
 * URLs carry task ids and view names only, never patient details.
 */
function listRoute(view: ViewId, load: () => Promise<RouteModule>): RouteObject {
  return {
    path: VIEW_LINKS[view].path.slice(1),
    lazy: async () => ({ Component: (await load()).Component }),
    children: [
      {
        path: ':taskId',
        lazy: async () => {
          const { PanelComponent } = await import('../features/task/task-route');
          return { Component: () => <PanelComponent view={view} /> };
        },
      },
    ],
  };
}

function Home() {
  const { me } = useSession();
  const home = homePathFor(me);
  if (home) return <Navigate to={home} replace />;
  return (
    <div className="page-message">
      <h1>No worklist for your role</h1>
      <p>Wardline shows patient work to nurses, charge nurses, care coordinators and house supervisors.</p>
    </div>
  );
}

function NotFound() {
  return (
    <div className="page-message">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go to your worklist</Link>
      </p>
    </div>
  );
}

/** A screen failed to load (most often: its code could not be fetched while offline). */
function RouteError() {
  const offline = !navigator.onLine;
  return (
    <div className="page-message" role="alert">
      <h1>This screen could not be opened</h1>
      <p>
        {offline
          ? 'The device is offline and this screen has not been loaded before.'
          : 'Something went wrong.'}
      </p>
      <button type="button" className="btn" onClick={() => window.location.reload()}>
        Try again
      </button>
    </div>
  );
}

const routes: RouteObject[] = [
  {
    path: '/',
    Component: Shell,
    ErrorBoundary: RouteError,
    HydrateFallback: () => null,
    children: [
      { index: true, Component: Home },
      listRoute('my-work', () => import('../features/worklist/my-work')),
      listRoute('queue', () => import('../features/worklist/unit-queue')),
      listRoute('discharge', () => import('../features/discharge/discharge-board')),
      listRoute('exceptions', () => import('../features/exceptions/exceptions-queue')),
      listRoute('escalations', () => import('../features/escalations/escalations')),
      {
        path: 'holders',
        lazy: async () => ({ Component: (await import('../features/holders/holders-page')).Component }),
      },
      {
        path: 'beds',
        lazy: async () => ({ Component: (await import('../features/assignments/beds-page')).Component }),
      },
      {
        path: 'end-shift',
        lazy: async () => ({ Component: (await import('../features/handover/end-shift-page')).Component }),
      },
      {
        path: 'staff',
        lazy: async () => ({ Component: (await import('../features/staff/staff-directory')).Component }),
      },
      {
        path: 'staff/:staffId/access',
        lazy: async () => ({ Component: (await import('../features/staff/access-log-page')).Component }),
      },
      // The dashboard and its chart library load only when a lead opens it.
      {
        path: 'outcomes',
        lazy: async () => ({ Component: (await import('../features/outcomes/outcomes-page')).Component }),
      },
      {
        path: 'tasks/:taskId',
        lazy: async () => ({ Component: (await import('../features/task/task-route')).Component }),
      },
      { path: '*', Component: NotFound },
    ],
  },
];

let router: ReturnType<typeof createBrowserRouter> | null = null;

/** One router per page load; sign-out reloads the page, so a new person always starts fresh. */
export function appRouter(): ReturnType<typeof createBrowserRouter> {
  router ??= createBrowserRouter(routes);
  return router;
}
