/**
 * What MSAL leaves in Web Storage, found without loading MSAL. Sign-out clears the cache through MSAL's
 * own API first; this sweep then removes anything left (temporary request state, keys written by an
 * older MSAL version, a half-finished redirect), so the next person on a shared tablet inherits none of
 * it. MSAL names every key it writes with the `msal.` prefix or the client id.
 */
export function isMsalKey(key: string, clientId?: string): boolean {
  return key.startsWith('msal.') || (clientId !== undefined && clientId !== '' && key.includes(clientId));
}

export function msalKeys(storage: Storage, clientId?: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i += 1) {
    const key = storage.key(i);
    if (key !== null && isMsalKey(key, clientId)) keys.push(key);
  }
  return keys;
}

/** Removes MSAL's keys from both storages; returns how many there were. */
export function sweepMsalStorage(clientId?: string): number {
  let removed = 0;
  for (const storage of storages()) {
    for (const key of msalKeys(storage, clientId)) {
      storage.removeItem(key);
      removed += 1;
    }
  }
  return removed;
}

function storages(): Storage[] {
  const found: Storage[] = [];
  // Either can throw when storage is disabled; what cannot be read holds nothing to sweep.
  try {
    found.push(window.localStorage);
  } catch {
    /* unavailable */
  }
  try {
    found.push(window.sessionStorage);
  } catch {
    /* unavailable */
  }
  return found;
}
