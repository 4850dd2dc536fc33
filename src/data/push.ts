import type { TokenSource } from './auth/token-source';

/**
 * Escalation alerts by Web Push (docs/SERVICE-WORKER.md W11): this device asks the browser for a push
 * subscription with the relay's VAPID key and hands it to the relay for the signed-in person. The relay
 * sends only "Level N escalation on 4W — open Wardline"; the service worker shows it (src/sw.ts).
 *
 * The browser's push APIs sit behind `PushPlatform`, so the relay side of this can be tested without a
 * browser's push service, and so the "not supported here" path is one branch (Safari outside a Home
 * Screen app, browsers without service workers).
 */

/** The part of `PushSubscription` used here. */
export interface PushSubscriptionLike {
  readonly endpoint: string;
  readonly options: { readonly applicationServerKey: ArrayBuffer | null };
  toJSON(): PushSubscriptionJSON;
  unsubscribe(): Promise<boolean>;
}

/** The part of `PushManager` used here. */
export interface PushManagerLike {
  getSubscription(): Promise<PushSubscriptionLike | null>;
  subscribe(options: {
    userVisibleOnly: boolean;
    applicationServerKey: Uint8Array<ArrayBuffer>;
  }): Promise<PushSubscriptionLike>;
}

export interface PushPlatform {
  /** The service worker's push manager, or null where this browser cannot receive pushes. */
  pushManager(): Promise<PushManagerLike | null>;
  /** The notification permission, asking for it if not yet decided (on iOS: only from a tap). */
  requestPermission(): Promise<NotificationPermission>;
}

export type PushRefusal =
  /** No service worker or Push API here (an iPad's Safari tab: add Wardline to the Home Screen). */
  | 'unsupported'
  /** Notifications are blocked for Wardline in this browser. */
  | 'permission-denied'
  /** The relay could not be reached (offline) or did not answer. */
  | 'unreachable'
  /** The browser's push service refused to make a subscription. */
  | 'browser-refused'
  /** The relay refused the subscription (signed out, or a subscription it cannot use). */
  | 'relay-refused';

export type PushResult = { subscribed: true } | { subscribed: false; reason: PushRefusal; message: string };

const MESSAGES: Record<PushRefusal, string> = {
  unsupported:
    'This browser cannot receive Wardline alerts. On an iPad or iPhone, add Wardline to the Home Screen and open it from there.',
  'permission-denied': 'Notifications are blocked for Wardline. Allow them in the browser’s site settings.',
  unreachable: 'Wardline cannot be reached. Check the network and try again.',
  'browser-refused': 'This browser could not set up alerts. Try again in a moment.',
  'relay-refused': 'Wardline did not accept this device for alerts. Sign in again and retry.',
};

export interface PushOptions {
  platform?: PushPlatform;
  /** The relay's origin; the page's own when empty. */
  baseUrl?: string;
}

/**
 * Subscribes this device to escalation pushes for whoever `tokens` signs in. Repeating it is harmless:
 * an existing subscription is handed to the relay again, and one made with an older relay key is
 * replaced. One the relay says is someone else's is swapped for a fresh one (a shared tablet).
 */
export async function subscribeToPush(tokens: TokenSource, options: PushOptions = {}): Promise<PushResult> {
  const platform = options.platform ?? browserPushPlatform;
  const base = options.baseUrl ?? '';
  const pushManager = await platform.pushManager();
  if (!pushManager) return refused('unsupported');
  if ((await platform.requestPermission()) !== 'granted') return refused('permission-denied');

  let publicKey: Uint8Array<ArrayBuffer>;
  try {
    const res = await fetch(`${base}/api/push/key`, { cache: 'no-store' });
    if (!res.ok) return refused('unreachable');
    publicKey = fromBase64Url(((await res.json()) as { publicKey: string }).publicKey);
  } catch {
    return refused('unreachable');
  }

  let subscription: PushSubscriptionLike;
  try {
    let existing = await pushManager.getSubscription();
    if (existing && !sameBytes(existing.options.applicationServerKey, publicKey)) {
      // Made for another key (the relay's data folder was replaced): pushes signed with the new key
      // would be refused by the push service.
      await existing.unsubscribe();
      existing = null;
    }
    subscription =
      existing ?? (await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }));
  } catch {
    return refused('browser-refused');
  }

  let answer = await register(tokens, base, subscription);
  if (answer === 'taken') {
    // Registered to someone else (the last person on this tablet could not tell the relay when they
    // left): the relay keeps it theirs until the device proves it is itself by a fresh subscription,
    // which the browser makes only after this one is dropped (docs/SECURITY.md P6).
    try {
      await subscription.unsubscribe();
      subscription = await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey });
    } catch {
      return refused('browser-refused');
    }
    answer = await register(tokens, base, subscription);
  }
  return answer === 'subscribed'
    ? { subscribed: true }
    : refused(answer === 'taken' ? 'relay-refused' : answer);
}

async function register(
  tokens: TokenSource,
  base: string,
  subscription: PushSubscriptionLike,
): Promise<'subscribed' | 'taken' | 'unreachable' | 'relay-refused'> {
  try {
    const res = await fetch(`${base}/api/push/subscriptions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await tokens.getAccessToken()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (res.status === 201) return 'subscribed';
    if (res.status === 409) return 'taken';
    return res.status >= 500 ? 'unreachable' : 'relay-refused';
  } catch {
    return 'unreachable';
  }
}

/**
 * Stops escalation pushes to this device for the signed-in person (sign-out on a shared tablet): the
 * relay forgets the subscription, then the browser drops it. True when the relay forgot it.
 */
export async function unsubscribeFromPush(tokens: TokenSource, options: PushOptions = {}): Promise<boolean> {
  const platform = options.platform ?? browserPushPlatform;
  const pushManager = await platform.pushManager();
  const subscription = await pushManager?.getSubscription();
  if (!subscription) return false;
  const told = (async () => {
    try {
      const res = await fetch(`${options.baseUrl ?? ''}/api/push/subscriptions`, {
        method: 'DELETE',
        headers: {
          authorization: `Bearer ${await tokens.getAccessToken()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ endpoint: subscription.endpoint }),
      });
      return res.ok && ((await res.json()) as { removed?: boolean }).removed === true;
    } catch {
      return false;
    }
  })();
  // The browser's subscription goes at once, whether or not the relay can be told (it forgets an
  // endpoint the push service reports gone): the next person on this device must not get these alerts.
  await subscription.unsubscribe().catch(() => false);
  return told;
}

/** The real browser: the registered worker's `pushManager`, and `Notification.requestPermission`. */
export const browserPushPlatform: PushPlatform = {
  async pushManager() {
    if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return null;
    if (typeof window === 'undefined' || !('PushManager' in window)) return null;
    // Not `serviceWorker.ready`: it never settles where no worker is registered (development builds).
    const registration = await navigator.serviceWorker.getRegistration('/');
    return registration?.pushManager ?? null;
  },
  async requestPermission() {
    if (typeof Notification === 'undefined') return 'denied';
    if (Notification.permission !== 'default') return Notification.permission;
    return Notification.requestPermission();
  },
};

function refused(reason: PushRefusal): PushResult {
  return { subscribed: false, reason, message: MESSAGES[reason] };
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  const view = new Uint8Array(a);
  return view.every((byte, i) => byte === b[i]);
}
