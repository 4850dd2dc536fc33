import { create } from 'zustand';
import type { Principal } from '../domain';
import {
  cachedRelayConfig,
  fetchMe,
  fetchRelayConfig,
  type MsalSettings,
  type RelayConfig,
} from '../data/api';
import { clearSession, loadSession, saveSession, type StoredSession } from '../data/auth/session';
import { sweepMsalStorage } from '../data/auth/msal-storage';
import { DemoTokenSource } from '../data/auth/token-source';
import { useConnection } from '../state/connection-store';
import { usePending } from '../state/pending-store';
import { useUi } from '../state/ui-store';
import { rememberLocked, wasLocked, watchIdle } from './idle-lock';
import { loadWorkspace as workspaceModule } from './signed-in-chunk';
import { tokenSourceFor } from './token-sources';
import type { Workspace } from './workspace';
import type { AccountInfo } from '@azure/msal-browser';
import type { MsalAuth, MsalTokenSource } from '../data/auth/msal';

/** MSAL is its own chunk too, loaded only when the relay names an identity provider. */
const msalModule = () => import('../data/auth/msal');
/** Deleting a database needs Dexie, which belongs to the signed-in chunk, not the first screen's. */
async function deleteWorklistDb(tenantId: string, userId: string): Promise<void> {
  await (await import('../data/db')).deleteWorklistDb(tenantId, userId);
}

/**
 * What stands between a signed-in person and their worklist: `locked` after the idle time (the same
 * person signs in again), `expired` when tokens can no longer be renewed silently. Either way the views
 * are unmounted, the workspace (database, sync engine, queued actions) keeps running underneath, and
 * nothing is deleted.
 */
export type Gate = 'locked' | 'expired';

export type AuthState =
  | { status: 'starting' }
  /** `config` is null when the relay could not be reached to ask how people sign in. */
  | { status: 'signed-out'; config: RelayConfig | null; error: string | null }
  | { status: 'signed-in'; workspace: Workspace; gate: Gate | null };

interface AuthStore {
  state: AuthState;
  start(): Promise<void>;
  signInWithDemo(staffId: string): Promise<void>;
  /** Leaves for the hospital's sign-in page (MSAL redirect); the app starts again when it comes back. */
  signInWithMsal(): Promise<void>;
  /**
   * The gate's way out: the same person signs in again (a popup for MSAL, a tap in demo mode). Someone
   * else signing in is a switch of user: the previous person's database is deleted first. Resolves
   * with a sentence to show when it did not work.
   */
  reauthenticate(): Promise<string | null>;
  /** Hides patient data now (the idle timer calls this). */
  lock(): void;
  /**
   * The one sign-out sequence (also "Switch user"): stop syncing, delete the person's database and
   * every MSAL key, forget the session, reload. A warning about unsent actions belongs before the call.
   */
  signOut(): Promise<void>;
  /** Asks the relay again how people sign in (after "Wardline cannot be reached"). */
  retry(): Promise<void>;
}

/** Set before leaving for the authority, so the start after coming back knows to finish the sign-in. */
const REDIRECT_MARK = 'wardline.signing-in';

/** A slow network must not keep a signed-in tablet on the splash: the cached settings will do. */
const CONFIG_TIMEOUT_MS = 3_000;

/** The person now signed in through MSAL, as the device remembers them between visits (never a token). */
function rememberMsalPerson(account: AccountInfo, me: Principal): void {
  saveSession({
    version: 1,
    kind: 'msal',
    homeAccountId: account.homeAccountId,
    loginHint: account.username,
    me,
  });
  rememberLocked(false);
}

function samePerson(a: Pick<Principal, 'tenantId' | 'id'>, b: Pick<Principal, 'tenantId' | 'id'>): boolean {
  return a.tenantId === b.tenantId && a.id === b.id;
}

/**
 * Who is signed in on this device. Opening and closing a workspace happens here, outside React effects,
 * so sign-out is one awaited sequence: stop syncing, delete the person's database, forget the session.
 */
export const useAuth = create<AuthStore>((set, get) => {
  let starting: Promise<void> | null = null;
  let config: RelayConfig | null = null;
  let msal: MsalAuth | null = null;
  let stopIdleWatch: (() => void) | null = null;

  async function loadMsal(settings: MsalSettings): Promise<MsalAuth> {
    msal ??= await (await msalModule()).MsalAuth.create(settings);
    return msal;
  }

  async function readConfig(): Promise<RelayConfig | null> {
    try {
      return await fetchRelayConfig(AbortSignal.timeout(CONFIG_TIMEOUT_MS));
    } catch {
      return cachedRelayConfig();
    }
  }

  async function signedOut(error: string | null = null): Promise<void> {
    let fresh: RelayConfig | null = null;
    try {
      fresh = await fetchRelayConfig();
      config = fresh;
    } catch {
      error ??= 'Wardline cannot be reached. Check the network and try again.';
    }
    set({ state: { status: 'signed-out', config: fresh, error } });
  }

  /** Units change at shift change without a new sign-in: ask the relay who I am now, quietly. */
  async function refreshProfile(workspace: Workspace): Promise<void> {
    try {
      const me = await fetchMe(workspace.tokens);
      const current = get().state;
      if (current.status !== 'signed-in' || current.workspace.db !== workspace.db) return;
      if (JSON.stringify(me) === JSON.stringify(current.workspace.me)) return;
      const stored = loadSession();
      if (stored) saveSession({ ...stored, me });
      set({ state: { ...current, workspace: { ...current.workspace, me } } });
    } catch {
      // Offline or the relay is restarting: the stored profile stands until the next start.
    }
  }

  /**
   * docs/HUB.md H5: an admin moved her while the page is open. The same person, new units: every view,
   * count and the header re-render from the replaced principal, and a reload keeps it.
   */
  function unitsMoved(workspace: Workspace, units: string[]): void {
    const current = get().state;
    if (current.status !== 'signed-in' || current.workspace.db !== workspace.db) return;
    if (JSON.stringify(units) === JSON.stringify(current.workspace.me.units)) return;
    const me = { ...current.workspace.me, units };
    const stored = loadSession();
    if (stored) saveSession({ ...stored, me });
    set({ state: { ...current, workspace: { ...current.workspace, me } } });
  }

  function setGate(workspace: Workspace, gate: Gate | null): void {
    const current = get().state;
    if (current.status !== 'signed-in' || current.workspace.db !== workspace.db) return;
    // An expired session outranks the lock: signing in again lifts both.
    if (gate === 'locked' && current.gate === 'expired') return;
    set({ state: { ...current, gate } });
  }

  function armIdleLock(): void {
    stopIdleWatch?.();
    stopIdleWatch = watchIdle(config?.idleLockMinutes ?? 5, () => get().lock());
  }

  async function enter(me: Principal, tokens: Workspace['tokens'], gate: Gate | null): Promise<void> {
    // The relay's pushes start only after this returns (network, not a microtask), so `opened` is set
    // by the time a move can be heard.
    const opened: { workspace?: Workspace } = {};
    const workspace = await (
      await workspaceModule()
    ).openWorkspace(me, tokens, (units) => {
      if (opened.workspace) unitsMoved(opened.workspace, units);
    });
    opened.workspace = workspace;
    set({ state: { status: 'signed-in', workspace, gate } });
    if (gate === null) armIdleLock();
    void refreshProfile(workspace);
  }

  /**
   * Tokens for this person from MSAL (none yet: `account` null, the gate is `expired`). When they can no
   * longer be renewed silently, the workspace's gate closes.
   */
  function msalTokens(auth: MsalAuth, account: AccountInfo | null): MsalTokenSource {
    const tokens = auth.tokenSource(account, () => {
      const current = get().state;
      if (current.status === 'signed-in' && current.workspace.tokens === tokens) {
        setGate(current.workspace, 'expired');
      }
    });
    return tokens;
  }

  /**
   * Someone came back from the authority. The same person as the stored session keeps their database
   * (and its queued actions); anyone else is a switch of user: the previous person's database and MSAL
   * account are deleted before the new person's worklist opens.
   */
  async function enterWithMsal(auth: MsalAuth, account: AccountInfo): Promise<void> {
    const tokens = msalTokens(auth, account);
    const me = await fetchMe(tokens);
    const previous = loadSession();
    if (previous && !samePerson(previous.me, me)) await forgetPerson(auth, previous);
    rememberMsalPerson(account, me);
    await enter(me, tokens, null);
  }

  /** Deletes a person's database and MSAL account from the device (they are not the one signing in). */
  async function forgetPerson(auth: MsalAuth | null, person: StoredSession): Promise<void> {
    await deleteWorklistDb(person.me.tenantId, person.me.id);
    const account = auth && person.homeAccountId ? auth.account(person.homeAccountId) : null;
    if (auth && account) await auth.forgetAccount(account);
  }

  async function startWithMsal(settings: MsalSettings, stored: StoredSession | null): Promise<boolean> {
    const redirecting = sessionStorage.getItem(REDIRECT_MARK) !== null;
    if (!redirecting && stored?.kind !== 'msal') return false;
    const auth = await loadMsal(settings);
    if (redirecting) {
      sessionStorage.removeItem(REDIRECT_MARK);
      const account = await auth.completeRedirect();
      if (account) {
        await enterWithMsal(auth, account);
        return true;
      }
    }
    if (stored?.kind !== 'msal') return false;
    const account = stored.homeAccountId ? auth.account(stored.homeAccountId) : null;
    // No account: MSAL's cache is per tab and gone (a new tab, a restarted browser). Her worklist and
    // queued actions are still here; she signs in again to send them.
    const gate = !account ? 'expired' : wasLocked() ? 'locked' : null;
    await enter(stored.me, msalTokens(auth, account), gate);
    return true;
  }

  return {
    state: { status: 'starting' },

    start() {
      starting ??= (async () => {
        config = await readConfig();
        let stored = loadSession();
        if (config?.auth) {
          try {
            if (await startWithMsal(config.auth, stored)) return;
          } catch {
            return signedOut('Signing in did not work. Try again.');
          }
          // With an identity provider the demo is never offered, and a demo session never opens.
          if (stored?.kind === 'demo') {
            clearSession();
            stored = null;
          }
        } else if (config?.mode === 'production' && stored?.kind === 'demo') {
          clearSession();
          stored = null;
        }
        const tokens = stored ? tokenSourceFor(stored) : null;
        if (!stored || !tokens) {
          if (stored) clearSession();
          return signedOut();
        }
        await enter(stored.me, tokens, wasLocked() ? 'locked' : null);
      })();
      return starting;
    },

    async signInWithDemo(staffId) {
      const tokens = new DemoTokenSource(staffId);
      const me = await fetchMe(tokens);
      saveSession({ version: 1, kind: 'demo', staffId, me });
      rememberLocked(false);
      await enter(me, tokens, null);
    },

    async signInWithMsal() {
      config ??= await fetchRelayConfig();
      if (!config.auth) throw new Error('This Wardline has no hospital sign-in configured.');
      const auth = await loadMsal(config.auth);
      sessionStorage.setItem(REDIRECT_MARK, '1');
      await auth.signInRedirect();
    },

    async reauthenticate() {
      const current = get().state;
      if (current.status !== 'signed-in') return null;
      const { workspace } = current;
      if (workspace.tokens.kind === 'demo') {
        rememberLocked(false);
        setGate(workspace, null);
        armIdleLock();
        return null;
      }
      const settings = config?.auth;
      if (!settings) return 'Wardline cannot be reached to sign you in. Check the network and try again.';
      const stored = loadSession();
      const { MsalTokenSource, SignInCancelledError } = await msalModule();
      try {
        const auth = await loadMsal(settings);
        const account = await auth.signInPopup(stored?.loginHint);
        const tokens = msalTokens(auth, account);
        const me = await fetchMe(tokens);
        if (!samePerson(me, workspace.me)) {
          // Someone else finished the sign-in: they must never see this person's worklist. Erase it and
          // start afresh as them (a reload leaves nothing of the previous person in memory).
          stopIdleWatch?.();
          await (await workspaceModule()).closeWorkspace(workspace, { erase: true });
          if (stored) await forgetPerson(auth, stored);
          rememberMsalPerson(account, me);
          usePending.getState().reset();
          useUi.getState().reset();
          window.location.replace('/');
          return null;
        }
        if (workspace.tokens instanceof MsalTokenSource) workspace.tokens.resume(account);
        if (stored)
          saveSession({ ...stored, homeAccountId: account.homeAccountId, loginHint: account.username, me });
        rememberLocked(false);
        setGate(workspace, null);
        armIdleLock();
        // Tokens flow again: the sync engine's next reconnect attempt gets one.
        return null;
      } catch (error) {
        if (error instanceof SignInCancelledError) {
          if (!error.blocked) return 'Sign-in was not finished. Try again.';
          // No popups on this device: sign in on the page itself. The database and its queued actions
          // stay; the app reopens here when the person comes back.
          const auth = await loadMsal(settings);
          sessionStorage.setItem(REDIRECT_MARK, '1');
          await auth.signInRedirect(stored?.loginHint);
          return null;
        }
        return 'Signing in did not work. Check the connection and try again.';
      }
    },

    lock() {
      const current = get().state;
      if (current.status !== 'signed-in') return;
      stopIdleWatch?.();
      stopIdleWatch = null;
      rememberLocked(true);
      setGate(current.workspace, 'locked');
    },

    retry: () => signedOut(),

    async signOut() {
      const current = get().state;
      const stored = loadSession();
      stopIdleWatch?.();
      stopIdleWatch = null;
      set({ state: { status: 'starting' } });
      if (current.status === 'signed-in') {
        await stopPushAlerts(current.workspace);
        await (await workspaceModule()).closeWorkspace(current.workspace, { erase: true });
      } else if (stored) {
        await deleteWorklistDb(stored.me.tenantId, stored.me.id);
      }
      const settings = config?.auth;
      if (settings && (msal || stored?.kind === 'msal')) {
        try {
          await (await loadMsal(settings)).forgetEverything();
        } catch {
          // MSAL could not start (offline with no cached settings): the sweep below still runs.
        }
      }
      sweepMsalStorage(settings?.clientId);
      clearSession();
      rememberLocked(false);
      usePending.getState().reset();
      useConnection.getState().reset();
      useUi.getState().reset();
      // A fresh page for the next person: nothing of this one's stays in memory, and the app opens at
      // its front door rather than at the last person's task.
      window.location.replace('/');
    },
  };
});

/**
 * A shared tablet must not ring with the last person's escalations: the device's push subscription is
 * dropped at sign-out (the relay told when it can be reached, the browser's subscription always). Waits
 * at most a few seconds for the relay, so a dead network never holds sign-out up.
 */
async function stopPushAlerts(workspace: Workspace): Promise<void> {
  try {
    const { unsubscribeFromPush } = await import('../data/push');
    await Promise.race([
      unsubscribeFromPush(workspace.tokens),
      new Promise((resolve) => setTimeout(resolve, 3_000)),
    ]);
  } catch {
    // No push support in this browser: nothing to stop.
  }
}
