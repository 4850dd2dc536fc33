import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  databaseNames,
  freePort,
  launchBrowser,
  openDevice,
  openUnitQueue,
  screenshot,
  seriousA11yViolations,
  signIn,
  type Device,
} from '../helpers/browser';
import { routed } from '../helpers/events';
import { startOidcProvider, type OidcProvider, type TestPerson } from '../helpers/oidc-provider';
import { readStore } from '../helpers/offline';
import {
  devToken,
  postEvents,
  spawnRelay,
  startTestRelay,
  tempDir,
  type ChildRelay,
  type TestRelay,
} from '../helpers/relay';

/**
 * Issue #7's acceptance (docs/IDENTITY.md), in real Chromium against real relays serving the built PWA
 * and the test's OpenID provider standing in for Entra ID: MSAL's own sign-in code runs unchanged, in
 * `protocolMode: "OIDC"` with the provider in `knownAuthorities` — the only differences from a hospital.
 */

const TENANT = '11111111-2222-4333-8444-555555555555';
const GROUP_4W = 'a4a4a4a4-0000-4000-8000-00000000004a';
const GROUP_5E = 'e5e5e5e5-0000-4000-8000-00000000005e';
const CLIENT_ID = 'wardline-pwa';
const AUDIENCE = 'api://wardline';
const SCOPE_NAME = 'Worklist.Access';

const ADA: TestPerson = {
  login: 'ada.lindqvist',
  oid: '0a0a0a0a-0000-4000-8000-0000000000a1',
  name: 'A. Lindqvist',
  roles: ['Nurse'],
  groups: [GROUP_4W],
};
const BEA: TestPerson = {
  login: 'bea.okonjo',
  oid: '0b0b0b0b-0000-4000-8000-0000000000b2',
  name: 'B. Okonjo',
  roles: ['Nurse'],
  groups: [GROUP_5E],
};

/** Patients: one on each nurse's unit. */
const ON_4W = {
  id: 'msal-4w-1',
  patient: { ref: 'Patient/m-1', name: 'Marigold Thistlewood', mrn: 'DEMO-910001', bed: '4W-03' },
};
const ON_4W_SECOND = {
  id: 'msal-4w-2',
  patient: { ref: 'Patient/m-2', name: 'Corin Ashdown', mrn: 'DEMO-910002', bed: '4W-04' },
};
/** Routed while the device is locked: proves the sync engine keeps running behind the lock. */
const WHILE_LOCKED = {
  id: 'msal-4w-3',
  patient: { ref: 'Patient/m-4', name: 'Perpetua Hollins', mrn: 'DEMO-910004', bed: '4W-05' },
};
const ON_5E = {
  id: 'msal-5e-1',
  patient: { ref: 'Patient/m-3', name: 'Rowan Brackenridge', mrn: 'DEMO-910003', bed: '5E-11' },
};

/** Short enough that a test outlives several tokens; the relay ends a connection at its token's exp. */
const SHORT_TOKEN_SECONDS = 20;
/** The idle lock of the second relay: six seconds. */
const QUICK_LOCK_MINUTES = 0.1;

let idp: OidcProvider;
let relay: ChildRelay;
let lockRelay: ChildRelay;
let browser: Browser;
const dataDirs = [tempDir(), tempDir()];

function relayEnv(port: number, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: String(port),
    DATA_DIR: dataDir,
    STATIC_DIR: inject('pwaDir'),
    LOG_LEVEL: 'debug',
    // The relay validates tokens exactly as in a hospital, through the generic OIDC settings.
    AUTH_ISSUER: idp.issuer,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_JWKS_URI: idp.jwksUri,
    AUTH_REQUIRED_SCOPE: SCOPE_NAME,
    AUTH_GROUP_UNITS: JSON.stringify({ [GROUP_4W]: '4W', [GROUP_5E]: '5E' }),
    // What the PWA gets in /config.json: protocol mode and known authorities are the only test values.
    AUTH_SPA_CLIENT_ID: CLIENT_ID,
    AUTH_AUTHORITY: `${idp.issuer}/`,
    AUTH_KNOWN_AUTHORITIES: idp.host,
    AUTH_PROTOCOL_MODE: 'OIDC',
    AUTH_API_SCOPE: `${AUDIENCE}/${SCOPE_NAME}`,
    // The relay fetches the provider's keys over HTTPS: it trusts the test's CA, and only that.
    NODE_EXTRA_CA_CERTS: idp.caFile,
    ...extra,
  };
}

function discharge(task: typeof ON_4W, unit: string) {
  const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  return routed(task.id, 1, { unit, patient: task.patient, dueAt: soon(2), expectedDischargeAt: soon(3) });
}

async function seed(url: string): Promise<void> {
  const ingest = await idp.appToken(['Ingest']);
  const { status, body } = await postEvents(url, ingest, [
    discharge(ON_4W, '4W'),
    discharge(ON_4W_SECOND, '4W'),
    discharge(ON_5E, '5E'),
  ]);
  expect(status, JSON.stringify(body)).toBe(202);
}

beforeAll(async () => {
  const [port, lockPort] = await Promise.all([freePort(), freePort()]);
  idp = await startOidcProvider({
    people: [ADA, BEA],
    tenantId: TENANT,
    clientId: CLIENT_ID,
    audience: AUDIENCE,
    scopeName: SCOPE_NAME,
    redirectUris: [port, lockPort].map((p) => `http://127.0.0.1:${p}/redirect.html`),
    accessTokenSeconds: SHORT_TOKEN_SECONDS,
  });
  [relay, lockRelay] = await Promise.all([
    spawnRelay(relayEnv(port, dataDirs[0]!.path)),
    spawnRelay(relayEnv(lockPort, dataDirs[1]!.path, { IDLE_LOCK_MINUTES: String(QUICK_LOCK_MINUTES) })),
  ]);
  await Promise.all([seed(relay.url), seed(lockRelay.url)]);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const r of [relay, lockRelay]) {
    if (r && r.process.exitCode === null) {
      r.process.kill('SIGTERM');
      await r.exited;
    }
  }
  await idp?.close();
  for (const dir of dataDirs) dir.remove();
});

/** Fills the provider's login and consent pages, as a person would. */
async function signInAtAuthority(page: Page, person: TestPerson): Promise<void> {
  await page.locator('input[name=login]').waitFor();
  await page.locator('input[name=login]').fill(person.login);
  await page.locator('input[name=password]').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** The popup MSAL opens from a button in the app: the person signs in there and it closes. */
async function signInInPopup(context: BrowserContext, click: () => Promise<void>, person: TestPerson) {
  const [popup] = await Promise.all([context.waitForEvent('page'), click()]);
  // The bridge closes the popup as soon as the answer is handed over: listen before it can happen.
  const closed = popup.waitForEvent('close', { timeout: 30_000 });
  closed.catch(() => undefined);
  await signInAtAuthority(popup, person);
  await closed;
}

/** MSAL's keys in the page's storage (it prefixes them `msal.` or names the client id). */
function msalStorageKeys(page: Page): Promise<string[]> {
  return page.evaluate((clientId) => {
    const keys: string[] = [];
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i) ?? '';
        if (key.startsWith('msal.') || key.includes(clientId)) keys.push(key);
      }
    }
    return keys;
  }, CLIENT_ID);
}

function wardlineDatabaseOf(names: string[], person: TestPerson): string[] {
  return names.filter((n) => n.includes(person.oid));
}

/** Whether the person's device database holds a task (read with IndexedDB itself, not the app). */
function deviceHasTask(page: Page, person: TestPerson, taskId: string): Promise<boolean> {
  return page.evaluate(
    ([name, id]) =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open(name!);
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('tasks')) {
            db.close();
            resolve(false);
            return;
          }
          const get = db.transaction('tasks').objectStore('tasks').get(id!);
          get.onsuccess = () => {
            db.close();
            resolve(get.result !== undefined);
          };
          get.onerror = () => {
            db.close();
            resolve(false);
          };
        };
      }),
    [`wardline-${TENANT}-${person.oid}`, taskId],
  );
}

/** Polls a condition every 250 ms until it holds or `timeoutMs` passes. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

function connectionsOf(r: ChildRelay, person: TestPerson): number {
  return relayLines(r, '"event":"hub.connected"').filter((l) => l.staffId === person.oid).length;
}

/** The page's text, everything React rendered: what a person (or a screen reader) could read. */
function pageText(page: Page): Promise<string> {
  return page.evaluate(() => document.documentElement.outerHTML);
}

/** Relay log records (JSON lines) that mention a text. */
function relayLines(r: ChildRelay, text: string): Array<Record<string, unknown>> {
  return r
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(text))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Access tokens the page used, read from the provider's issued JWTs as they travel (never logged). */
function watchBearerTokens(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const auth = request.headers()['authorization'];
    if (auth?.startsWith('Bearer ')) seen.push(auth.slice(7));
    const query = new URL(request.url()).searchParams.get('access_token');
    if (query) seen.push(query);
  });
  return seen;
}

describe('[issue 7] Entra-style sign-in with MSAL against a real OpenID provider', () => {
  let device: Device;
  let tokens: string[];
  let authorityCodes: string[];

  beforeAll(async () => {
    device = await openDevice(browser, relay.url, 'tablet', { trustTestAuthority: true });
    tokens = watchBearerTokens(device.page);
    authorityCodes = [];
    device.page.on('request', (request) => {
      const url = new URL(request.url());
      for (const part of [url.search, url.hash]) {
        const code = new URLSearchParams(part.slice(1)).get('code');
        if (code) authorityCodes.push(code);
      }
    });
  });

  it('[I1] a nurse signs in on the provider’s page; her worklist loads; the relay logs her oid and role, never her token', async () => {
    const { page } = device;
    await page.goto('/');
    const button = page.getByRole('button', { name: 'Sign in with your hospital account' });
    await button.waitFor();
    // Production mode: the demo staff are never offered.
    expect(await page.getByText('Demo mode').count()).toBe(0);
    await screenshot(page, 'msal-sign-in');
    await button.click();
    await page.waitForURL((url) => url.origin === idp.issuer);
    await screenshot(page, 'msal-authority-login');
    await signInAtAuthority(page, ADA);

    await page.locator('.my-name', { hasText: ADA.name }).waitFor({ timeout: 30_000 });
    await openUnitQueue(page);
    await page.getByText(ON_4W.patient.name).first().waitFor();
    expect(await page.getByText(ON_5E.patient.name).count()).toBe(0);
    await screenshot(page, 'msal-worklist');

    // The relay knows her by oid (and tenant), with the role from the token's roles claim.
    const connected = relayLines(relay, '"event":"hub.connected"').filter((l) => l.staffId === ADA.oid);
    expect(connected.length).toBeGreaterThan(0);
    expect(connected[0]).toMatchObject({ tenantId: TENANT, staffId: ADA.oid, roles: ['Nurse'] });

    // Never the token, nor the authorization code, in the relay's log or the page's console.
    expect(tokens.length).toBeGreaterThan(0);
    const output = relay.output();
    for (const secret of [...tokens, ...authorityCodes]) {
      expect(output).not.toContain(secret);
      expect(device.console.join('\n')).not.toContain(secret);
    }
    // The code reached only the redirect bridge; the app's own pages never had it in their URL.
    const appUrls = device.urls.filter((u) => u.startsWith(relay.url) && !u.includes('/redirect.html'));
    expect(appUrls.some((u) => /[?#&](code|state)=/.test(u))).toBe(false);
    expect(new URL(page.url()).hash).toBe('');
  });

  it('[I2] the access token expires: the relay ends the connection, MSAL renews silently, and an action after expiry is applied', async () => {
    const { page, context } = device;
    const signedInAt = Date.now();
    const connectionsBefore = connectionsOf(relay, ADA);
    const refreshesBefore = idp.grants()['refresh_token'] ?? 0;
    // Past the first token's lifetime: the relay closes her connection at exp and she reconnects.
    await eventually(() => connectionsOf(relay, ADA) > connectionsBefore, 60_000, 'a reconnect after exp');
    expect(Date.now() - signedInAt).toBeLessThan(60_000);
    expect(idp.grants()['refresh_token'] ?? 0).toBeGreaterThan(refreshesBefore);
    expect(relayLines(relay, 'access token expired').length).toBeGreaterThan(0);

    // No prompt: no popup, no gate, the worklist is still on screen.
    expect(context.pages()).toHaveLength(1);
    expect(await page.locator('[data-gate]').count()).toBe(0);
    await page.getByText(ON_4W.patient.name).first().waitFor();

    // An action made with the renewed token is applied by the relay.
    const card = page.locator(`li[data-task-id="${ON_4W.id}"]`);
    await card.getByRole('button', { name: /^Claim/ }).click();
    await card.waitFor({ state: 'detached' });
    await eventually(
      () =>
        relayLines(relay, '"msg":"staff action"').some(
          (l) => l.taskId === ON_4W.id && l.staffId === ADA.oid && l.status === 'applied',
        ),
      15_000,
      'the claim on the relay',
    );
    expect(new Set(tokens).size).toBeGreaterThan(1);
  });

  it('[I3] the provider revokes her session: the app asks her to sign in again and keeps her database and queued action', async () => {
    const { page, context } = device;
    // Offline, she ticks an item on the task she claimed: the action waits in her outbox.
    await context.setOffline(true);
    await page.locator('.link-offline').waitFor();
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^My work/ })
      .click();
    await page.locator(`li[data-task-id="${ON_4W.id}"] a`).click();
    await page.getByRole('checkbox', { name: 'Medication reconciliation' }).check();
    await page.locator('.link-unsent', { hasText: '1 waiting to sync' }).waitFor();

    // The provider revokes her session, and her last access token runs out while she is offline.
    expect(await idp.revoke(ADA.login)).toBeGreaterThan(0);
    await page.waitForTimeout((SHORT_TOKEN_SECONDS + 2) * 1_000);
    await context.setOffline(false);

    // Within one token lifetime the relay ends the connection; renewal now fails for good.
    const heading = page.getByRole('heading', { name: 'Your session expired — sign in again' });
    await heading.waitFor({ timeout: 60_000 });
    expect(context.pages()).toHaveLength(1);
    await screenshot(page, 'msal-session-expired');
    expect(await seriousA11yViolations(page)).toEqual([]);
    // The views are gone, the data is not.
    expect(await pageText(page)).not.toContain(ON_4W_SECOND.patient.name);
    expect(wardlineDatabaseOf(await databaseNames(page), ADA)).toHaveLength(1);
    expect(await deviceHasTask(page, ADA, ON_4W.id)).toBe(true);
    // [S11] Her queued action is still on the device, unsent.
    expect(await readStore(page, 'outbox')).toHaveLength(1);

    // She signs in again (a popup through the redirect bridge): the same database, her claim still hers.
    await signInInPopup(context, () => page.getByRole('button', { name: 'Sign in again' }).click(), ADA);
    await page.locator('.my-name', { hasText: ADA.name }).waitFor({ timeout: 30_000 });
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: /^My work/ })
      .click();
    await page.getByText(ON_4W.patient.name).first().waitFor({ timeout: 30_000 });
    expect(wardlineDatabaseOf(await databaseNames(page), ADA)).toHaveLength(1);
    // Signed in again, the queued tick is sent once and applied.
    await page.locator('.link-unsent').waitFor({ state: 'detached', timeout: 30_000 });
    await eventually(
      () =>
        relayLines(relay, '"msg":"staff action"').some(
          (l) => l.taskId === ON_4W.id && l.type === 'checklist.set' && l.status === 'applied',
        ),
      15_000,
      'the queued tick on the relay',
    );
  });

  it('[I4] nurse A signs out: nothing of hers stays in IndexedDB or Web Storage; nurse B then sees only her own unit', async () => {
    const { page, context } = device;
    expect(await msalStorageKeys(page)).not.toHaveLength(0);

    // [S11] With an action still unsent (the tablet is offline), sign-out warns first; staying is the default.
    await openUnitQueue(page);
    await context.setOffline(true);
    await page.locator('.link-offline').waitFor();
    const card = page.locator(`li[data-task-id="${ON_4W_SECOND.id}"]`);
    await card.getByRole('button', { name: /^Claim/ }).click();
    await card.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // She holds claimed work: sign-out asks about it first (docs/HANDOFFS.md HS4); she keeps it.
    await page
      .getByRole('dialog', { name: /^You still hold/ })
      .getByRole('button', { name: /^Keep (it|them) and sign out$/ })
      .click();
    const warning = page.getByRole('dialog', { name: 'Sign out with unsent work?' });
    await warning.getByText('1 action is not sent to Wardline yet.', { exact: false }).waitFor();
    await warning.getByRole('button', { name: 'Stay signed in' }).click();
    await warning.waitFor({ state: 'hidden' });
    await page.locator('.link-unsent', { hasText: '1 waiting to sync' }).waitFor();
    // Staying kept it: back online it is sent, and sign-out no longer needs to ask.
    await context.setOffline(false);
    await page.locator('.link-unsent').waitFor({ state: 'detached', timeout: 60_000 });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: /^Keep (it|them) and sign out$/ }).click();
    await page.getByRole('button', { name: 'Sign in with your hospital account' }).waitFor();

    expect(wardlineDatabaseOf(await databaseNames(page), ADA)).toEqual([]);
    expect(await msalStorageKeys(page)).toEqual([]);
    expect(await page.evaluate(() => localStorage.getItem('wardline.session'))).toBeNull();

    // Nurse B on the same tablet: the provider asks for her credentials (never A's session).
    await page.getByRole('button', { name: 'Sign in with your hospital account' }).click();
    await page.waitForURL((url) => url.origin === idp.issuer);
    await signInAtAuthority(page, BEA);
    await page.locator('.my-name', { hasText: BEA.name }).waitFor({ timeout: 30_000 });
    await openUnitQueue(page);
    await page.getByText(ON_5E.patient.name).first().waitFor();
    const text = await pageText(page);
    for (const name of [ON_4W.patient.name, ON_4W_SECOND.patient.name]) expect(text).not.toContain(name);
    expect(wardlineDatabaseOf(await databaseNames(page), ADA)).toEqual([]);
  });
});

describe('[issue 7] the idle lock on a shared tablet', () => {
  let device: Device;

  beforeAll(async () => {
    device = await openDevice(browser, lockRelay.url, 'tablet', { trustTestAuthority: true });
  });

  it('[I5] after the configured idle time the patient names leave the page; the same nurse signs in again and they return', async () => {
    const { page, context } = device;
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in with your hospital account' }).click();
    await signInAtAuthority(page, ADA);
    await page.locator('.my-name', { hasText: ADA.name }).waitFor({ timeout: 30_000 });
    await openUnitQueue(page);
    await page.getByText(ON_4W_SECOND.patient.name).first().waitFor();
    const idleFrom = Date.now();

    // No input: locked after 0.1 min.
    await page.getByRole('heading', { name: 'Wardline is locked' }).waitFor({ timeout: 30_000 });
    expect(Date.now() - idleFrom).toBeGreaterThanOrEqual(QUICK_LOCK_MINUTES * 60_000 - 500);
    const locked = await pageText(page);
    for (const name of [ON_4W.patient.name, ON_4W_SECOND.patient.name]) expect(locked).not.toContain(name);
    await screenshot(page, 'msal-idle-lock');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The sync engine carries on behind the lock: work routed now reaches the device database.
    const ingest = await idp.appToken(['Ingest']);
    expect((await postEvents(lockRelay.url, ingest, [discharge(WHILE_LOCKED, '4W')])).status).toBe(202);
    await eventually(() => deviceHasTask(page, ADA, WHILE_LOCKED.id), 20_000, 'the task routed while locked');
    expect(await pageText(page)).not.toContain(WHILE_LOCKED.patient.name);

    // A reload is no way round the lock.
    await page.reload();
    await page.getByRole('heading', { name: 'Wardline is locked' }).waitFor();
    expect(await pageText(page)).not.toContain(ON_4W_SECOND.patient.name);

    await signInInPopup(
      context,
      () => page.getByRole('button', { name: `Sign in as ${ADA.name}` }).click(),
      ADA,
    );
    await openUnitQueue(page);
    await page.getByText(ON_4W_SECOND.patient.name).first().waitFor({ timeout: 30_000 });
    await page.getByText(WHILE_LOCKED.patient.name).first().waitFor();
  });

  it('[I6] someone else completing the unlock is a switch of user: the previous nurse’s database is erased first', async () => {
    const { page, context } = device;
    await page.getByRole('heading', { name: 'Wardline is locked' }).waitFor({ timeout: 30_000 });
    expect(wardlineDatabaseOf(await databaseNames(page), ADA)).toHaveLength(1);

    await signInInPopup(
      context,
      () => page.getByRole('button', { name: `Sign in as ${ADA.name}` }).click(),
      BEA,
    );
    await page.locator('.my-name', { hasText: BEA.name }).waitFor({ timeout: 30_000 });
    expect(wardlineDatabaseOf(await databaseNames(page), ADA)).toEqual([]);
    await openUnitQueue(page);
    await page.getByText(ON_5E.patient.name).first().waitFor();
    const text = await pageText(page);
    for (const name of [ON_4W.patient.name, ON_4W_SECOND.patient.name, WHILE_LOCKED.patient.name]) {
      expect(text).not.toContain(name);
    }
    // Only B's account is left in MSAL's cache.
    const keys = await msalStorageKeys(page);
    expect(keys.some((k) => k.includes(ADA.login))).toBe(false);
  });
});

describe('[issue 7] the idle lock in development mode (demo sign-in)', () => {
  let demo: TestRelay;
  let device: Device;

  beforeAll(async () => {
    demo = await startTestRelay({
      STATIC_DIR: inject('pwaDir'),
      IDLE_LOCK_MINUTES: String(QUICK_LOCK_MINUTES),
    });
    const ingest = await devToken(demo.url, 'integration-engine');
    expect((await postEvents(demo.url, ingest, [discharge(ON_4W, '4W')])).status).toBe(202);
    device = await openDevice(browser, demo.url, 'tablet');
  });

  afterAll(async () => {
    await device?.context.close();
    await demo?.stop();
  });

  it('[I5] locks after the idle time; one tap on "Unlock as <name>" brings the worklist back', async () => {
    const { page } = device;
    await signIn(page, 'R. Okafor');
    await openUnitQueue(page);
    await page.getByText(ON_4W.patient.name).first().waitFor();
    await page.getByRole('heading', { name: 'Wardline is locked' }).waitFor({ timeout: 30_000 });
    expect(await pageText(page)).not.toContain(ON_4W.patient.name);
    await page.getByRole('button', { name: 'Unlock as R. Okafor' }).click();
    await openUnitQueue(page);
    await page.getByText(ON_4W.patient.name).first().waitFor();
  });
});
