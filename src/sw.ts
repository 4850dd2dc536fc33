/// <reference lib="webworker" />
/**
 * Wardline's service worker (docs/SERVICE-WORKER.md has the rules W1–W12 this implements).
 *
 * - The app shell — index.html, the hashed JS and CSS, icons, the manifest — is precached at install,
 *   so the installed app opens with no network; any navigation inside the app is answered with the
 *   precached index.html, so a deep link such as /tasks/abc opens offline too.
 * - Nothing else is routed or stored: the relay's paths (the worklist, tokens, configuration) go to the
 *   network untouched, and there is no runtime caching at all. Patient data lives only in IndexedDB.
 * - A new version waits until the page says so (SKIP_WAITING from workbox-window's messageSkipWaiting):
 *   updates are offered, never forced.
 * - Pushes become escalation notifications; a tap opens or focuses Wardline at the task.
 */
import { clientsClaim } from 'workbox-core';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { escalationNotification, notificationTarget } from './worker/escalation-notification';
import { RELAY_PATHS } from './worker/relay-paths';

declare const self: ServiceWorkerGlobalScope & {
  /** Replaced at build time by vite-plugin-pwa (injectManifest) with the list of shell files. */
  __WB_MANIFEST: Array<PrecacheEntry | string>;
};

// W1: the shell, and only the shell, is precached; the previous version's precache is deleted once
// this one activates.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// W2: every in-app navigation gets the precached index.html; the relay's own paths are left alone, and so
// is MSAL's redirect bridge: answering the provider's redirect with index.html would break every sign-in.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [...RELAY_PATHS, /^\/redirect\.html(?:[?#]|$)/],
  }),
);

// W5: the first worker takes the open page at once, so a device that signed in once is ready to
// open offline without a second visit. Later versions wait (W6).
clientsClaim();

self.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (data && typeof data === 'object' && (data as { type?: unknown }).type === 'SKIP_WAITING') {
    void self.skipWaiting();
  }
});

// W9: a push is shown as an escalation notification built from the relay's payload alone.
self.addEventListener('push', (event) => {
  const { title, options } = escalationNotification(event.data ? event.data.text() : null);
  event.waitUntil(self.registration.showNotification(title, options));
});

// W10: a tap focuses an open Wardline window and takes it to the task, or opens one there.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(notificationTarget(event.notification.data), self.location.origin).href;
  event.waitUntil(focusOrOpen(url));
});

async function focusOrOpen(url: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  // The window the person last looked at first: a focused one, then a visible one, then any.
  const open =
    windows.find((w) => w.focused) ?? windows.find((w) => w.visibilityState === 'visible') ?? windows[0];
  if (!open) {
    await self.clients.openWindow(url);
    return;
  }
  const focused = await open.focus();
  if (focused.url === url) return;
  try {
    await focused.navigate(url);
  } catch {
    // navigate() only works on a window this worker controls (not after a hard reload): open a new one.
    await self.clients.openWindow(url);
  }
}
