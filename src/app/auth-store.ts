import { create } from 'zustand';
import { fetchMe, fetchRelayConfig, type RelayConfig } from '../data/api';
import { clearSession, loadSession, saveSession } from '../data/auth/session';
import { DemoTokenSource } from '../data/auth/token-source';
import { useConnection } from '../state/connection-store';
import { usePending } from '../state/pending-store';
import { useUi } from '../state/ui-store';
import { tokenSourceFor } from './token-sources';
import type { Workspace } from './workspace';

/**
 * The signed-in half of the app (Dexie, SignalR, the sync engine) is its own chunk: the sign-in screen,
 * a first visit's page, does not wait for it.
 */
const workspaceModule = () => import('./workspace');

/**
 * Fetches the signed-in chunks ahead of the tap on a name, once the sign-in screen is showing, so the tap
 * does not wait for them. Failing is harmless: signing in imports them again.
 */
export function warmUpSignedIn(): void {
  void Promise.all([workspaceModule(), import('./signed-in')]).catch(() => undefined);
}

export type AuthState =
  | { status: 'starting' }
  /** `config` is null when the relay could not be reached to ask how people sign in. */
  | { status: 'signed-out'; config: RelayConfig | null; error: string | null }
  | { status: 'signed-in'; workspace: Workspace };

interface AuthStore {
  state: AuthState;
  start(): Promise<void>;
  signInWithDemo(staffId: string): Promise<void>;
  signOut(): Promise<void>;
  /** Asks the relay again how people sign in (after "Wardline cannot be reached"). */
  retry(): Promise<void>;
}

/**
 * Who is signed in on this device. Opening and closing a workspace happens here, outside React effects,
 * so sign-out is one awaited sequence: stop syncing, delete the person's database, forget the session.
 */
export const useAuth = create<AuthStore>((set, get) => {
  let starting: Promise<void> | null = null;

  async function signedOut(error: string | null = null): Promise<void> {
    let config: RelayConfig | null = null;
    try {
      config = await fetchRelayConfig();
    } catch {
      error ??= 'Wardline cannot be reached. Check the network and try again.';
    }
    set({ state: { status: 'signed-out', config, error } });
  }

  /** Units change at shift change without a new sign-in: ask the relay who I am now, quietly. */
  async function refreshProfile(workspace: Workspace): Promise<void> {
    try {
      const me = await fetchMe(workspace.tokens);
      const current = get().state;
      if (current.status !== 'signed-in' || current.workspace !== workspace) return;
      if (JSON.stringify(me) === JSON.stringify(workspace.me)) return;
      const stored = loadSession();
      if (stored) saveSession({ ...stored, me });
      set({ state: { status: 'signed-in', workspace: { ...workspace, me } } });
    } catch {
      // Offline or the relay is restarting: the stored profile stands until the next start.
    }
  }

  return {
    state: { status: 'starting' },

    start() {
      starting ??= (async () => {
        const stored = loadSession();
        const tokens = stored ? tokenSourceFor(stored) : null;
        if (!stored || !tokens) {
          if (stored) clearSession();
          return signedOut();
        }
        const workspace = await (await workspaceModule()).openWorkspace(stored.me, tokens);
        set({ state: { status: 'signed-in', workspace } });
        void refreshProfile(workspace);
      })();
      return starting;
    },

    async signInWithDemo(staffId) {
      const tokens = new DemoTokenSource(staffId);
      const me = await fetchMe(tokens);
      saveSession({ version: 1, kind: 'demo', staffId, me });
      const workspace = await (await workspaceModule()).openWorkspace(me, tokens);
      set({ state: { status: 'signed-in', workspace } });
    },

    retry: () => signedOut(),

    async signOut() {
      const current = get().state;
      if (current.status === 'signed-in') {
        set({ state: { status: 'starting' } });
        await (await workspaceModule()).closeWorkspace(current.workspace, { erase: true });
      }
      clearSession();
      usePending.getState().reset();
      useConnection.getState().reset();
      useUi.getState().reset();
      // A fresh page for the next person: nothing of this one's stays in memory, and the app opens at
      // its front door rather than at the last person's task.
      window.location.replace('/');
    },
  };
});
