import { BrowserAuthError, InteractionRequiredAuthError, type AccountInfo } from '@azure/msal-browser';
import { describe, expect, it, vi } from 'vitest';
import { MsalTokenSource, SessionExpiredError } from './msal';
import { isMsalKey } from './msal-storage';

const ACCOUNT = { homeAccountId: 'home-1', username: 'ada@hospital.example' } as AccountInfo;
const SCOPES = ['api://wardline/Worklist.Access'];

/** MSAL's `acquireTokenSilent` at the network edge: each call takes the next scripted outcome. */
function fakeMsal(...outcomes: Array<string | Error>) {
  const acquireTokenSilent = vi.fn(async () => {
    const next = outcomes.shift();
    if (next === undefined) throw new Error('no more outcomes');
    if (next instanceof Error) throw next;
    return { accessToken: next };
  });
  return { app: { acquireTokenSilent } as never, acquireTokenSilent };
}

describe('MsalTokenSource', () => {
  it('[I2] asks MSAL for the relay API scope for this account, every time (MSAL caches and renews)', async () => {
    const { app, acquireTokenSilent } = fakeMsal('t1', 't2');
    const source = new MsalTokenSource(app, ACCOUNT, SCOPES, () => undefined);
    expect(await source.getAccessToken()).toBe('t1');
    expect(await source.getAccessToken()).toBe('t2');
    expect(acquireTokenSilent).toHaveBeenCalledWith({ scopes: SCOPES, account: ACCOUNT });
  });

  it('[I3] interaction required: tells the app once, then fails fast without asking MSAL again', async () => {
    const { app, acquireTokenSilent } = fakeMsal(new InteractionRequiredAuthError('login_required', 'test'));
    const onExpired = vi.fn();
    const source = new MsalTokenSource(app, ACCOUNT, SCOPES, onExpired);
    await expect(source.getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError);
    await expect(source.getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(onExpired).toHaveBeenCalledTimes(1);
    expect(acquireTokenSilent).toHaveBeenCalledTimes(1);
  });

  it('[I3] an account gone from the cache counts as interaction required', async () => {
    const { app } = fakeMsal(new BrowserAuthError('no_account_error', 'test'));
    const onExpired = vi.fn();
    const source = new MsalTokenSource(app, ACCOUNT, SCOPES, onExpired);
    await expect(source.getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(onExpired).toHaveBeenCalledOnce();
  });

  it('[I3] a network failure is not an expiry: the caller retries, nobody is asked to sign in', async () => {
    const { app } = fakeMsal(new BrowserAuthError('no_network_connectivity', 'test'), 't-after');
    const onExpired = vi.fn();
    const source = new MsalTokenSource(app, ACCOUNT, SCOPES, onExpired);
    await expect(source.getAccessToken()).rejects.toBeInstanceOf(BrowserAuthError);
    expect(await source.getAccessToken()).toBe('t-after');
    expect(onExpired).not.toHaveBeenCalled();
  });

  it('[I3] with no cached account it starts expired; resume after signing in again lets tokens flow', async () => {
    const { app } = fakeMsal('t-new');
    const source = new MsalTokenSource(app, null, SCOPES, () => undefined);
    await expect(source.getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError);
    source.resume(ACCOUNT);
    expect(await source.getAccessToken()).toBe('t-new');
  });
});

describe('[I4] which storage keys are MSAL’s', () => {
  it.each([
    ['msal.account.keys', true],
    ['msal.interaction.status', true],
    ['home-1.tenant-login.example-idtoken-wardline-pwa--', true],
    ['wardline.session', false],
    ['wardline.config', false],
  ])('%s → %s', (key, expected) => {
    expect(isMsalKey(key, 'wardline-pwa')).toBe(expected);
  });
});
