import { useLiveQuery } from 'dexie-react-hooks';
import { useSyncExternalStore } from 'react';
import { useConnection, type LinkState } from '../state/connection-store';
import { clockTime } from '../features/shared/format';
import { useSession, useUnsentCount } from './session';

const WORDS: Record<LinkState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/** A shape per state as well as a colour (WCAG 1.4.1). */
const ICONS: Record<LinkState, string> = {
  connecting: '◌',
  live: '●',
  reconnecting: '↻',
  offline: '✕',
};

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/**
 * Live / reconnecting / offline, how many of her actions wait to be sent, and when the device last caught
 * up with the relay [S11]: a nurse should know at a glance whether what she sees is current.
 */
export function ConnectionStatus() {
  const { db } = useSession();
  const link = useConnection((s) => s.link);
  const syncing = useConnection((s) => s.syncing);
  const lastSyncedAt = useConnection((s) => s.lastSyncedAt);
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine);
  const unsent = useUnsentCount();
  // After a reload the store is empty until the first sync: the device's own record says when.
  const stored = useLiveQuery(async () => (await db.meta.get('lastSyncedAt'))?.value, [db]);
  const last = lastSyncedAt ?? (typeof stored === 'string' ? stored : null);
  // The browser knows before SignalR does that the network is gone.
  const state: LinkState = !online && link !== 'live' ? 'offline' : link;
  return (
    <div className={`link link-${state}`} role="status" aria-live="polite">
      <span className="link-state">
        <span aria-hidden="true" className="link-icon">
          {ICONS[state]}
        </span>
        {WORDS[state]}
        {syncing && state === 'live' ? ', syncing' : ''}
      </span>
      {unsent > 0 && <span className="link-unsent">{unsent} waiting to sync</span>}
      <span className="link-synced">{last ? `Last synced at ${clockTime(last)}` : 'Not synced yet'}</span>
    </div>
  );
}
