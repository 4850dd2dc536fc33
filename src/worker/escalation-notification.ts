/**
 * What the service worker shows for a push. The relay's payload is `{ title, body, url, tag }` with no
 * patient data (server/src/push/notifier.ts); this module shows those fields and nothing else, and
 * treats the payload as untrusted: a push service or a future relay may send something else.
 */
import { isRelayPath } from './relay-paths';

/** A long, insistent pattern: a charge nurse's phone is in a pocket on a noisy ward. */
export const ESCALATION_VIBRATION_MS = [300, 150, 300, 150, 600];

/** Beyond these lengths a payload is not the relay's: notifications get truncated by the OS anyway. */
const MAX_TITLE = 120;
const MAX_BODY = 300;
const MAX_TAG = 200;

const FALLBACK = {
  title: 'Wardline',
  body: 'Something needs you. Open Wardline to see it.',
  url: '/',
  tag: 'wardline-escalation',
};

/**
 * The options `showNotification` takes, including the fields lib.dom no longer lists (`renotify`,
 * `vibrate`, `timestamp`), which Chromium on Android still honours.
 */
export interface EscalationNotificationOptions extends NotificationOptions {
  body: string;
  tag: string;
  data: { url: string };
  renotify: boolean;
  requireInteraction: boolean;
  vibrate: number[];
  icon: string;
  badge: string;
  timestamp: number;
}

export interface EscalationNotification {
  title: string;
  options: EscalationNotificationOptions;
}

/**
 * The notification for one push. Every escalation is shown the same way:
 * - `requireInteraction`: it stays on screen until someone taps or dismisses it (desktop browsers hide
 *   ordinary notifications after a few seconds; an escalation must not disappear unseen);
 * - `renotify` with the alert's `tag`: a repeat of the same alert replaces the old one instead of
 *   stacking, and still buzzes and sounds again — a repeat is a repeat because nobody acknowledged.
 */
export function escalationNotification(payloadText: string | null, now = Date.now()): EscalationNotification {
  const payload = parse(payloadText);
  const title = text(payload?.title, MAX_TITLE) ?? FALLBACK.title;
  const body = text(payload?.body, MAX_BODY) ?? FALLBACK.body;
  const tag = text(payload?.tag, MAX_TAG) ?? FALLBACK.tag;
  const url = appPath(payload?.url) ?? FALLBACK.url;
  return {
    title,
    options: {
      body,
      tag,
      data: { url },
      renotify: true,
      requireInteraction: true,
      vibrate: ESCALATION_VIBRATION_MS,
      icon: '/icons/icon-192.png',
      badge: '/icons/badge-96.png',
      timestamp: now,
    },
  };
}

/**
 * Where a tap on a notification leads: a path inside the app, never another origin (the payload is
 * not trusted to pick where the browser goes) and never the relay's API.
 */
export function appPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  let url: URL;
  try {
    url = new URL(value, 'https://wardline.invalid');
  } catch {
    return null;
  }
  if (url.origin !== 'https://wardline.invalid') return null;
  if (isRelayPath(`${url.pathname}${url.search}`)) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The tap target stored with a notification, read back defensively. */
export function notificationTarget(data: unknown): string {
  const url = data && typeof data === 'object' ? (data as { url?: unknown }).url : undefined;
  return appPath(url) ?? FALLBACK.url;
}

function parse(payloadText: string | null): Record<string, unknown> | null {
  if (!payloadText) return null;
  try {
    const value: unknown = JSON.parse(payloadText);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : null;
}
