/**
 * The signed-in half of the app is its own chunk (`App.tsx` loads it lazily). Its loader and its
 * prefetch live here, apart from the auth store and the shell, so the sign-in screen can warm it up
 * without importing anything of the signed-in half.
 */
export const loadSignedIn = () => import('./signed-in');

/**
 * Fetches the signed-in chunks ahead of the tap on a name, once the sign-in screen is showing, so the tap
 * does not wait for them. Failing is harmless: signing in imports them again.
 */
export function warmUpSignedIn(withMsal = false): void {
  const chunks: Array<Promise<unknown>> = [import('./workspace'), loadSignedIn()];
  if (withMsal) chunks.push(import('../data/auth/msal'));
  void Promise.all(chunks).catch(() => undefined);
}
