/**
 * The signed-in half of the app is its own chunk (`App.tsx` loads it lazily). Its loader and its
 * prefetch live here, apart from the auth store and the shell, so the sign-in screen can warm it up
 * without importing anything of the signed-in half.
 */
import { nextTask } from '../data/next-task';

export const loadSignedIn = () => import('./signed-in');

/**
 * The workspace (Dexie, SignalR, the sync engine), one task per group of modules: the task schema, the
 * rest of the domain's schemas (zod builds every schema as its module runs), Dexie, SignalR, then the
 * workspace. Imported together they ran as one task of 100+ ms on a slow phone (Lighthouse's 4x CPU), a
 * long task in its Total Blocking Time — on the signed-in reload and, through the warm-up below, on the
 * sign-in page. docs/SYNC.md S16.
 */
export async function loadWorkspace() {
  for (const load of [
    () => import('../domain/task'),
    () => import('../domain'),
    () => import('dexie'),
    () => import('@microsoft/signalr'),
  ]) {
    await load();
    await nextTask();
  }
  return import('./workspace');
}

/**
 * `App`'s loader for the signed-in half: the chunk, then its router, created in a task of its own. Made
 * during the first render, the router (its routes, the current location, the first view's lazy
 * import) added ~50 ms on a slow phone (Lighthouse's 4x CPU) to a render task already near 50 ms, the
 * length past which Total Blocking Time counts a task. The sign-in screen's warm-up does not create
 * it: the router reads the location once, and it must be the one the signed-in half starts on.
 */
export const loadSignedInScreen = async () => {
  const chunk = await loadSignedIn();
  await nextTask();
  chunk.prepareRouter();
  await nextTask();
  return chunk;
};

/**
 * Fetches the signed-in chunks ahead of the tap on a name, once the sign-in screen is showing, so the tap
 * does not wait for them. Failing is harmless: signing in imports them again.
 */
export function warmUpSignedIn(withMsal = false): void {
  // One after another, a task apart: each chunk's modules run as they arrive, and run together they
  // were one long task on the sign-in page.
  const warm = async () => {
    await loadWorkspace();
    await nextTask();
    await loadSignedIn();
    if (withMsal) {
      await nextTask();
      await import('../data/auth/msal');
    }
  };
  void warm().catch(() => undefined);
}
