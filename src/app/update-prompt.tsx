import { useEffect, useState } from 'react';
import { useAppUpdate, type UpdateCheck } from './app-update';

/**
 * "A new version of Wardline is ready — Update now", shown only when reloading loses nothing:
 * `canReload` is false while an action waits in the outbox or something is being edited
 * (docs/SERVICE-WORKER.md W6). Reports `canReload` to the update store, so a tab that another tab's
 * update caught mid-edit waits for it too (W7).
 */
export function UpdatePrompt({ canReload }: { canReload: boolean }) {
  const ready = useAppUpdate((s) => s.waiting || s.outdated);
  const snoozed = useAppUpdate((s) => s.snoozed);
  const applying = useAppUpdate((s) => s.applying);
  const { apply, snooze, reportCanReload } = useAppUpdate.getState();

  useEffect(() => {
    reportCanReload(canReload);
  }, [canReload, reportCanReload]);
  useEffect(() => () => reportCanReload(null), [reportCanReload]);

  if (!ready || !canReload || snoozed) return null;
  return (
    <div className="update-prompt" role="status">
      <p>A new version of Wardline is ready</p>
      <button type="button" className="btn btn-primary" onClick={apply} disabled={applying}>
        {applying ? 'Updating…' : 'Update now'}
      </button>
      <button type="button" className="btn btn-quiet" onClick={snooze} disabled={applying}>
        Later
      </button>
    </div>
  );
}

const ANSWERS: Record<Exclude<UpdateCheck, 'update-ready'>, string> = {
  'up-to-date': 'Wardline is up to date',
  failed: 'Could not check for a new version. Check the network and try again.',
  unavailable: 'Updates come with the page in this build.',
};

/**
 * A manual "Update app", for where the automatic prompt is unreliable (installed iOS apps) and for
 * anyone who wants to be sure: checks now, and applies a waiting version unless something would be lost.
 */
export function UpdateAppButton() {
  const [answer, setAnswer] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function updateApp(): Promise<void> {
    setBusy(true);
    setAnswer(null);
    const result = await useAppUpdate.getState().check();
    const { waiting, outdated, canReload, apply } = useAppUpdate.getState();
    setBusy(false);
    if (result === 'update-ready' || waiting || outdated) {
      if (canReload === false) {
        setAnswer('A new version is ready. It will be offered once your changes have synced.');
        return;
      }
      setAnswer('Updating…');
      apply();
      return;
    }
    setAnswer(ANSWERS[result]);
  }

  return (
    <div className="update-app">
      <button type="button" className="btn" onClick={() => void updateApp()} disabled={busy}>
        {busy ? 'Checking…' : 'Update app'}
      </button>
      <p className="update-app-answer" role="status">
        {answer}
      </p>
    </div>
  );
}
