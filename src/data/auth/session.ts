import { z } from 'zod';
import { Principal } from '../../domain/principal';

/**
 * Who is signed in on this device, and how their tokens are obtained. Kept in localStorage so the app
 * opens offline for the same person; it holds the staff member's own profile, never patient data, and
 * never the access token itself.
 */
export const StoredSession = z.object({
  version: z.literal(1),
  kind: z.enum(['demo', 'msal']),
  /** For the demo issuer: the demo staff id to ask a token for. */
  staffId: z.string().optional(),
  /**
   * For MSAL: which cached account is this person's (`homeAccountId`), and the sign-in name to offer
   * the authority when they must sign in again (`loginHint`).
   */
  homeAccountId: z.string().optional(),
  loginHint: z.string().optional(),
  me: Principal,
});
export type StoredSession = z.infer<typeof StoredSession>;

const KEY = 'wardline.session';

export function loadSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = StoredSession.safeParse(JSON.parse(raw));
    // Validated on read: an old or hand-edited session signs the device out rather than half-working.
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function saveSession(session: StoredSession): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}
