import { create } from 'zustand';

/**
 * New versions of the app, offered and never forced (docs/SERVICE-WORKER.md W6–W8).
 *
 * The service worker of a new version installs in the background and then waits. This store knows that
 * one waits; the shell shows "A new version of Wardline is ready" only when reloading loses nothing (no
 * unsent action in the outbox, nothing being edited: `canReload`), and "Update now" lets the new worker
 * take over and reloads. Every open tab reloads when the new worker takes control, unless that tab is
 * mid-edit: it shows the same prompt once the edit is done, and reloads when the person says so.
 *
 * This module is in the entry chunk (it is small); workbox-window is loaded only when registering, so
 * neither it nor anything of the signed-in half reaches the sign-in page's first download.
 */

/** A ward tablet stays open for a whole shift: look for a new version every hour it is open… */
export const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;
/** …and whenever it is brought back to the front, but not more than once a minute when flicked between apps. */
export const VISIBLE_CHECK_MIN_GAP_MS = 60 * 1000;
/** A failed chunk load reloads by itself at most this often, so a broken deploy cannot loop forever. */
const STALE_RELOAD_GUARD_MS = 60 * 1000;
const STALE_RELOAD_KEY = 'wardline:stale-reload-at';
/**
 * "Update now" reloads when the new worker takes control, normally within a second. If it never does
 * (the waiting worker was replaced or became redundant meanwhile), reload anyway rather than leave the
 * person looking at "Updating…": the next check offers whatever is waiting then.
 */
const APPLY_FALLBACK_MS = 10_000;

export type UpdateCheck = 'update-ready' | 'up-to-date' | 'failed' | 'unavailable';

interface AppUpdateState {
  /** A new version's worker is installed and waiting for this page to let it take over. */
  waiting: boolean;
  /**
   * This page runs an older version than the worker or the server now has: another tab applied an
   * update while this one was being edited, or one of this version's chunks is gone (a deploy).
   */
  outdated: boolean;
  /** "Update now" was pressed: the page reloads as soon as the new worker controls it. */
  applying: boolean;
  /**
   * Whether this page may reload now, as the shell reports it (outbox empty, nothing being edited).
   * `null` while no shell is mounted (the sign-in screen): nothing there can be lost.
   */
  canReload: boolean | null;
  /** "Later" hides the prompt until the next new version. */
  snoozed: boolean;

  /** Lets the waiting worker take over; the page reloads when it controls. */
  apply(): void;
  /** Asks the server for a new version now. */
  check(): Promise<UpdateCheck>;
  snooze(): void;
  reportCanReload(canReload: boolean | null): void;
}

/** The few things the store needs from the registered worker; absent in development and unsupported browsers. */
interface Registered {
  update(): Promise<UpdateCheck>;
  skipWaiting(): void;
}

let registered: Registered | null = null;

export const useAppUpdate = create<AppUpdateState>((set, get) => ({
  waiting: false,
  outdated: false,
  applying: false,
  canReload: null,
  snoozed: false,

  apply() {
    set({ applying: true });
    if (get().waiting && registered) {
      registered.skipWaiting();
      window.setTimeout(reload, APPLY_FALLBACK_MS);
    } else reload();
  },

  async check() {
    if (!registered) return 'unavailable';
    const result = await registered.update();
    if (result === 'update-ready') set({ waiting: true, snoozed: false });
    return result;
  },

  snooze: () => set({ snoozed: true }),

  reportCanReload: (canReload) => set({ canReload }),
}));

function reload(): void {
  window.location.reload();
}

/**
 * Registers /sw.js and keeps the store in step with it. Call once, from the entry, in production
 * builds, where `'serviceWorker' in navigator`.
 */
export async function registerServiceWorker(): Promise<void> {
  const { Workbox } = await import('workbox-window');
  const wb = new Workbox('/sw.js', { scope: '/', updateViaCache: 'none' });
  const container = navigator.serviceWorker;
  // A page that opened without a worker is taken over by the first one (clientsClaim): that is an
  // install, not an update, and needs no reload.
  let hadController = container.controller !== null;

  const markWaiting = () => useAppUpdate.setState({ waiting: true, snoozed: false });
  wb.addEventListener('waiting', markWaiting);

  container.addEventListener('controllerchange', () => {
    if (!hadController) {
      hadController = true;
      return;
    }
    const { applying, canReload } = useAppUpdate.getState();
    // W7: a new version controls this page. Reload into it, unless this tab is mid-edit: then it offers
    // the reload once the edit is done, and reloads when the person says so.
    if (applying || canReload !== false) reload();
    else useAppUpdate.setState({ waiting: false, outdated: true });
  });

  const registration = await wb.register();
  if (!registration) return;
  if (registration.waiting && container.controller) markWaiting();
  // workbox-window stops following updates it thinks another tab started (any after the first minute);
  // every new worker is watched here too, whoever asked for the check.
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    installing?.addEventListener('statechange', () => {
      if (installing.state === 'installed' && container.controller) markWaiting();
    });
  });

  registered = {
    skipWaiting: () => wb.messageSkipWaiting(),
    update: () => checkForUpdate(registration),
  };

  // W8: look for a new version on an interval and whenever the app comes back to the front.
  let lastCheck = Date.now();
  const checkQuietly = () => {
    if (!navigator.onLine) return;
    lastCheck = Date.now();
    void checkForUpdate(registration).then((result) => {
      if (result === 'update-ready') markWaiting();
    });
  };
  window.setInterval(checkQuietly, UPDATE_CHECK_INTERVAL_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && Date.now() - lastCheck >= VISIBLE_CHECK_MIN_GAP_MS) {
      checkQuietly();
    }
  });
}

/**
 * Fetches the worker script again (never from the HTTP cache: `updateViaCache: 'none'` and the relay's
 * `no-cache`); if it changed, waits for the new one to finish installing.
 */
async function checkForUpdate(registration: ServiceWorkerRegistration): Promise<UpdateCheck> {
  try {
    await registration.update();
  } catch {
    return 'failed';
  }
  const installing = registration.installing;
  if (installing) {
    await new Promise<void>((resolve) => {
      const settle = () => {
        if (installing.state !== 'installing') {
          installing.removeEventListener('statechange', settle);
          resolve();
        }
      };
      installing.addEventListener('statechange', settle);
      settle();
    });
  }
  return registration.waiting && navigator.serviceWorker.controller ? 'update-ready' : 'up-to-date';
}

/**
 * W8: a lazy chunk of this version failed to load (`vite:preloadError`): the server has moved on to a
 * new build and this version's files are gone. Offer the reload; if nothing of the signed-in app is on
 * screen to offer it (the failed chunk may be the shell itself), reload at once — there is nothing to
 * lose, the outbox is in IndexedDB — but at most once a minute.
 */
export function watchForStaleChunks(): void {
  window.addEventListener('vite:preloadError', () => {
    if (useAppUpdate.getState().canReload !== null) {
      useAppUpdate.setState({ outdated: true, snoozed: false });
      return;
    }
    const last = Number(sessionStorage.getItem(STALE_RELOAD_KEY) ?? 0);
    if (Date.now() - last < STALE_RELOAD_GUARD_MS) return;
    sessionStorage.setItem(STALE_RELOAD_KEY, String(Date.now()));
    reload();
  });
}
