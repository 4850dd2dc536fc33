import {
  BrowserAuthError,
  BrowserAuthErrorCodes,
  InteractionRequiredAuthError,
  LogLevel,
  PublicClientApplication,
  type AccountInfo,
} from '@azure/msal-browser';
import type { MsalSettings } from '../api';
import { sweepMsalStorage } from './msal-storage';
import type { TokenSource } from './token-source';

/**
 * Microsoft Entra ID sign-in (or any OpenID provider through `protocolMode: "OIDC"`), with
 * `@azure/msal-browser` 5. This module is its own chunk: it is loaded only when the relay names an
 * identity provider, so development mode and the first paint never download MSAL.
 */

/**
 * MSAL 5 sends every authority response to this page (`redirect.html`, built from
 * `src/auth/redirect-bridge.ts`): popups and silent-renewal iframes hand it to the app over a
 * BroadcastChannel, a full-page redirect parks it in sessionStorage and returns to the app. The sign-in
 * code therefore never reaches the app page's own URL.
 */
export const REDIRECT_BRIDGE_PATH = '/redirect.html';

/** The person must sign in again: their refresh token and the authority's session are gone. */
export class SessionExpiredError extends Error {
  constructor() {
    super('Your session expired. Sign in again.');
    this.name = 'SessionExpiredError';
  }
}

/** The popup was blocked or closed before the person finished signing in. */
export class SignInCancelledError extends Error {
  constructor(readonly blocked: boolean) {
    super(blocked ? 'The sign-in window was blocked.' : 'Sign-in was cancelled.');
    this.name = 'SignInCancelledError';
  }
}

export class MsalAuth {
  private constructor(
    readonly settings: MsalSettings,
    private readonly app: PublicClientApplication,
  ) {}

  static async create(settings: MsalSettings): Promise<MsalAuth> {
    const app = new PublicClientApplication({
      auth: {
        clientId: settings.clientId,
        authority: settings.authority,
        knownAuthorities: settings.knownAuthorities,
        redirectUri: settings.redirectUri ?? `${window.location.origin}${REDIRECT_BRIDGE_PATH}`,
        postLogoutRedirectUri: `${window.location.origin}/`,
      },
      // Per tab, gone when the tab closes: on a shared tablet nothing outlives the browser session, and
      // sign-out sweeps it anyway.
      cache: { cacheLocation: 'sessionStorage' },
      system: {
        protocolMode: settings.protocolMode,
        // MSAL's log lines can carry account names and URLs with codes: none of it goes anywhere.
        loggerOptions: {
          logLevel: LogLevel.Error,
          piiLoggingEnabled: false,
          loggerCallback: () => undefined,
        },
      },
    });
    await app.initialize();
    return new MsalAuth(settings, app);
  }

  private get scopes(): string[] {
    return [this.settings.apiScope];
  }

  /**
   * Finishes a sign-in that came back from the authority (the bridge parked the response), and removes
   * anything of it from the address bar. Null when no sign-in was under way.
   */
  async completeRedirect(): Promise<AccountInfo | null> {
    try {
      const result = await this.app.handleRedirectPromise();
      return result?.account ?? null;
    } finally {
      stripAuthResponseFromUrl();
    }
  }

  /**
   * Leaves for the authority's sign-in page; the page reloads at `/` when the person comes back.
   * `prompt: "login"` always asks for credentials: on a shared tablet the authority's own session may
   * still be the previous person's.
   */
  async signInRedirect(loginHint?: string): Promise<void> {
    await this.app.loginRedirect({
      scopes: this.scopes,
      prompt: 'login',
      redirectStartPage: `${window.location.origin}/`,
      ...(loginHint ? { loginHint } : {}),
    });
  }

  /**
   * Asks the person to sign in again in a popup, without leaving the page (the idle lock, an expired
   * session): the workspace and its sync keep running underneath. Returns whoever signed in, who may
   * not be the person asked for.
   */
  async signInPopup(loginHint?: string): Promise<AccountInfo> {
    try {
      const result = await this.app.acquireTokenPopup({
        scopes: this.scopes,
        prompt: 'login',
        ...(loginHint ? { loginHint } : {}),
      });
      if (!result.account) throw new SignInCancelledError(false);
      return result.account;
    } catch (error) {
      if (error instanceof BrowserAuthError) {
        if (error.errorCode === BrowserAuthErrorCodes.popupWindowError) throw new SignInCancelledError(true);
        if (error.errorCode === BrowserAuthErrorCodes.userCancelled) throw new SignInCancelledError(false);
      }
      throw error;
    }
  }

  account(homeAccountId: string): AccountInfo | null {
    return this.app.getAccount({ homeAccountId });
  }

  /** `account` null: nobody's tokens are cached (a new tab); the source is expired until `resume`. */
  tokenSource(account: AccountInfo | null, onExpired: () => void): MsalTokenSource {
    return new MsalTokenSource(this.app, account, this.scopes, onExpired);
  }

  /** Removes one person's tokens and account from MSAL's cache (another person signed in over them). */
  async forgetAccount(account: AccountInfo): Promise<void> {
    await this.app.clearCache({ account });
  }

  /**
   * Removes everything MSAL holds on this device, through its API and then by sweeping its keys: on a
   * shared tablet the next person inherits no tokens, accounts or half-finished requests.
   */
  async forgetEverything(): Promise<void> {
    try {
      await this.app.clearCache();
    } finally {
      sweepMsalStorage(this.settings.clientId);
    }
  }
}

/**
 * Access tokens for the relay's API scope from MSAL: from its cache, renewed with the refresh token,
 * or through the authority's session in a hidden iframe (via the redirect bridge). When none of that
 * works the person must sign in again: `onExpired` is called once and every later call fails fast
 * until `resume`, so SignalR's reconnect loop does not hammer the authority.
 */
export class MsalTokenSource implements TokenSource {
  readonly kind = 'msal' as const;
  private expired: boolean;

  constructor(
    private readonly app: PublicClientApplication,
    private account: AccountInfo | null,
    private readonly scopes: string[],
    private readonly onExpired: () => void,
  ) {
    this.expired = account === null;
  }

  async getAccessToken(): Promise<string> {
    if (this.expired || !this.account) throw new SessionExpiredError();
    try {
      const result = await this.app.acquireTokenSilent({ scopes: this.scopes, account: this.account });
      return result.accessToken;
    } catch (error) {
      if (isInteractionRequired(error)) {
        if (!this.expired) {
          this.expired = true;
          this.onExpired();
        }
        throw new SessionExpiredError();
      }
      // Offline, the authority down, a timeout: not the person's fault; the caller retries.
      throw error;
    }
  }

  /** The same person signed in again (lock screen, expired screen): tokens flow again. */
  resume(account: AccountInfo): void {
    this.account = account;
    this.expired = false;
  }

  forget(): void {
    // MSAL holds the tokens; sign-out clears its cache (`MsalAuth.forgetEverything`).
  }
}

function isInteractionRequired(error: unknown): boolean {
  if (error instanceof InteractionRequiredAuthError) return true;
  // The account was removed from the cache (another tab signed out): no silent way back either.
  return error instanceof BrowserAuthError && error.errorCode === BrowserAuthErrorCodes.noAccountError;
}

/** Anything that looks like an authority response in the page's own URL is removed, never kept. */
function stripAuthResponseFromUrl(): void {
  const { hash, search, pathname } = window.location;
  if (/(^|[#?&])(code|state|error|id_token|client_info)=/.test(`${hash}${search}`)) {
    window.history.replaceState(null, '', pathname);
  }
}
