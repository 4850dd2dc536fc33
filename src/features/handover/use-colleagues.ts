import { useEffect, useState } from 'react';
import { useSession } from '../../app/session';
import { rememberColleagues, rememberedColleagues } from '../../data/colleague-memory';
import { fetchColleagues, type Colleague } from '../../data/colleagues';

export type ColleaguesState =
  | { status: 'loading' }
  | { status: 'failed'; message: string }
  /** `asOf`: the list is the last one this page saw (the relay cannot be asked now), from that time. */
  | { status: 'ready'; colleagues: Colleague[]; asOf: string | null };

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
        const at = new Date().toISOString();
        wanted.forEach((unit, i) => rememberColleagues(unit, lists[i]!, at));
        setState({ status: 'ready', colleagues: merge(lists), asOf: null });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        const remembered = wanted.map((unit) => rememberedColleagues(unit));
        if (remembered.every((r) => r !== undefined)) {
          const at = remembered.map((r) => r.at).sort()[0]!;
          setState({ status: 'ready', colleagues: merge(remembered.map((r) => r.colleagues)), asOf: at });
          return;
        }
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

/** Someone on two of the units is listed once. */
function merge(lists: readonly Colleague[][]): Colleague[] {
  const byId = new Map<string, Colleague>();
  for (const c of lists.flat()) byId.set(c.id, c);
  return [...byId.values()];
}
