import type { StoredSession } from '../data/auth/session';
import { DemoTokenSource, type TokenSource } from '../data/auth/token-source';

/**
 * The one place that turns a stored session into a token source. Entra sign-in (issue #7) adds its
 * `msal` case here; nothing else in the app knows where tokens come from.
 */
export function tokenSourceFor(session: StoredSession): TokenSource | null {
  switch (session.kind) {
    case 'demo':
      return session.staffId ? new DemoTokenSource(session.staffId) : null;
    case 'msal':
      // Not in this build yet: the device asks the person to sign in again.
      return null;
  }
}
