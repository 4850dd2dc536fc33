import { useEffect } from 'react';
import { useNavigate } from 'react-router';
import { create } from 'zustand';
import type { Alert } from '../../domain';

/**
 * While the idle lock is on (docs/ASSIGNMENTS.md [A-P6]): how many escalations and new stat items wait
 * for this person, in words that name no patient, and where unlocking takes her.
 */
export interface Waiting {
  escalations: number;
  newItems: number;
}

/** Alerts that ask something of this person; a handover alert is the charge nurse's paperwork, not counted. */
export function waitingOf(alerts: readonly Alert[]): Waiting {
  let escalations = 0;
  let newItems = 0;
  for (const alert of alerts) {
    if (alert.kind === 'patient') newItems++;
    else if (alert.kind !== 'handover') escalations++;
  }
  return { escalations, newItems };
}

/** "2 escalations waiting", "1 escalation and 1 new stat item waiting", or null when nothing waits. */
export function waitingWords({ escalations, newItems }: Waiting): string | null {
  const parts: string[] = [];
  if (escalations > 0) parts.push(`${escalations} ${escalations === 1 ? 'escalation' : 'escalations'}`);
  if (newItems > 0) parts.push(`${newItems} new stat ${newItems === 1 ? 'item' : 'items'}`);
  return parts.length > 0 ? `${parts.join(' and ')} waiting` : null;
}

/** The first waiting alert's task when one alert waits, otherwise the list that gathers them. */
export function unlockTarget(alerts: readonly Alert[], escalationsView: boolean): string | null {
  const asking = alerts.filter((a) => a.kind !== 'handover');
  if (asking.length === 0) return null;
  const only = asking.length === 1 ? asking[0]!.taskIds[0] : undefined;
  if (only) return `/tasks/${encodeURIComponent(only)}`;
  return escalationsView ? '/escalations' : '/my-work';
}

/** Set by the lock screen as she unlocks; the signed-in screens go there once and clear it. */
export const useUnlockLanding = create<{ path: string | null; set(path: string | null): void }>((set) => ({
  path: null,
  set: (path) => set({ path }),
}));

/** Inside the signed-in screens: after an unlock with something waiting, straight to it. */
export function OpenAfterUnlock() {
  const path = useUnlockLanding((s) => s.path);
  const clear = useUnlockLanding((s) => s.set);
  const navigate = useNavigate();
  useEffect(() => {
    if (!path) return;
    clear(null);
    void navigate(path);
  }, [path, clear, navigate]);
  return null;
}
