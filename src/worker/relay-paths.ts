/**
 * The relay's own paths, which the service worker never routes and never stores: answers from them
 * carry patient data or live state (the worklist, tokens, configuration, health), and a copy in Cache
 * Storage would outlive sign-out on a shared tablet. Patient data lives only in IndexedDB.
 * Each pattern is tested against `pathname + search`, as workbox's NavigationRoute does.
 */
export const RELAY_PATHS: readonly RegExp[] = [
  /^\/api(?:[/?]|$)/,
  /^\/hubs(?:[/?]|$)/,
  /^\/dev(?:[/?]|$)/,
  /^\/metrics(?:[/?]|$)/,
  /^\/config\.json(?:[?]|$)/,
  /^\/healthz(?:[?]|$)/,
  /^\/readyz(?:[?]|$)/,
];

export function isRelayPath(pathAndSearch: string): boolean {
  return RELAY_PATHS.some((pattern) => pattern.test(pathAndSearch));
}
