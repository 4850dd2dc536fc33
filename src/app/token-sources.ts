import type { StoredSession } from '../data/auth/session';
import { DemoTokenSource, type TokenSource } from '../data/auth/token-source';

/**
 * Turns a stored demo session into a token source. An `msal` session needs the relay's settings and
 * MSAL started (asynchronous, its own chunk): `auth-store.ts` builds its `MsalTokenSource`. Nothing
 * outside these two places knows where tokens come from.
 */
export function tokenSourceFor(session: StoredSession): TokenSource | null {
  switch (session.kind) {
    case 'demo':
      return session.staffId ? new DemoTokenSource(session.staffId) : null;
    case 'msal':
      return null;
  }
}
