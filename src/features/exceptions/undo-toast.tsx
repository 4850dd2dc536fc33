import { useEffect, useState } from 'react';
import { UNDO_WINDOW_MS, useUndo } from './undo-store';

/**
 * "Dismissed 11 exceptions · Undo (4 s)": the few seconds before an exception's outcome is sent. The
 * words are a status (read once); the seconds tick outside it, so a screen reader is not told each one.
 */
export function UndoToast() {
  const pending = useUndo((s) => s.pending);
  const { undo, flush } = useUndo.getState();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!pending) return;
    const tick = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(tick);
  }, [pending]);
  return (
    <div className={pending ? 'undo-toast' : 'undo-toast is-empty'}>
      <p role="status">{pending ? `${pending.words}. Sending in a few seconds.` : ''}</p>
      {pending && (
        <>
          <span className="muted" aria-hidden="true">
            {/* `now` may predate this window (it ticks only while one is open): never more than the window. */}
            {Math.max(0, Math.ceil(Math.min(UNDO_WINDOW_MS, pending.until - now) / 1000))} s
          </span>
          <button type="button" className="btn btn-primary" onClick={undo}>
            Undo
          </button>
          <button type="button" className="btn btn-quiet" onClick={flush}>
            Send now
          </button>
        </>
      )}
    </div>
  );
}
