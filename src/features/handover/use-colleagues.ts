import { useEffect, useState } from 'react';
import { useSession } from '../../app/session';
import { fetchColleagues, type Colleague } from '../../data/colleagues';

export type ColleaguesState =
  | { status: 'loading' }
  | { status: 'failed'; message: string }
  | { status: 'ready'; colleagues: Colleague[] };

/**
 * The colleagues of the given units, asked of the relay when a picker or the who-holds-what board
 * opens. Kept in memory only (no patient data, but it goes stale: presence changes by the minute).
 * Someone on two of the units is listed once.
 */
export function useColleagues(units: readonly string[]): ColleaguesState {
  const { tokens } = useSession();
  const key = [...new Set(units)].sort().join('\n');
  const [state, setState] = useState<ColleaguesState>({ status: 'loading' });
  useEffect(() => {
    const wanted = key ? key.split('\n') : [];
    const abort = new AbortController();
    setState({ status: 'loading' });
    Promise.all(wanted.map((unit) => fetchColleagues(tokens, unit, abort.signal))).then(
      (lists) => {
        const byId = new Map<string, Colleague>();
        for (const c of lists.flat()) byId.set(c.id, c);
        setState({ status: 'ready', colleagues: [...byId.values()] });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        const offline = typeof navigator !== 'undefined' && !navigator.onLine;
        setState({
          status: 'failed',
          message: offline
            ? 'The list of colleagues needs a connection: this device is offline.'
            : error instanceof Error
              ? error.message
              : 'The list of colleagues is unavailable.',
        });
      },
    );
    return () => abort.abort();
  }, [key, tokens]);
  return state;
}
