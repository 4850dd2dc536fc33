import { useEffect } from 'react';
import { useSession } from '../../app/session';
import { AccessRecorder, dexieAccessQueue, type Person } from '../../data/access-log';
import type { TokenSource } from '../../data/auth/token-source';

/** Sends what waits once a minute while the app runs, in case no new open or `online` event comes. */
const RESEND_EVERY_MS = 60_000;

/**
 * React's StrictMode (development builds) runs an effect twice on mount: the same task shown to the
 * same person within this long is that one view, not two.
 */
const SAME_VIEW_MS = 1_000;

let recorder: AccessRecorder | null = null;
let lastShown: { key: string; at: number } | null = null;
let current: { person: Person; tokens: TokenSource } | null = null;

/** One recorder per page; the first task view starts it, with its `online` and once-a-minute resends. */
function recorderFor(person: Person, tokens: TokenSource): AccessRecorder {
  current = { person, tokens };
  if (!recorder) {
    recorder = new AccessRecorder(dexieAccessQueue());
    const resend = () => {
      if (current) void recorder?.flush(current.person, current.tokens);
    };
    window.addEventListener('online', resend);
    setInterval(resend, RESEND_EVERY_MS);
  }
  return recorder;
}

/**
 * The access audit's record of this view (docs/SECURITY.md A2): once per task shown, online or from
 * the offline copy. Keyed on the task id, so a live change to the task on screen is not a new open.
 */
export function useRecordTaskOpen(taskId: string): void {
  const { me, tokens } = useSession();
  useEffect(() => {
    const key = `${me.tenantId}/${me.id}/${taskId}`;
    const now = Date.now();
    if (lastShown?.key === key && now - lastShown.at < SAME_VIEW_MS) return;
    lastShown = { key, at: now };
    void recorderFor({ tenantId: me.tenantId, id: me.id }, tokens)
      .opened({ tenantId: me.tenantId, id: me.id }, taskId, tokens)
      .catch(() => undefined);
  }, [taskId, me.tenantId, me.id, tokens]);
}
