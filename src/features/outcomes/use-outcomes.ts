import { useEffect, useState } from 'react';
import type { TokenSource } from '../../data/auth/token-source';
import {
  fetchReport,
  fetchTasksBehind,
  fetchTrend,
  OutcomesError,
  type OutcomeQuery,
  type OutcomeReport,
  type OutcomeTrend,
  type TasksBehind,
} from './outcomes-api';

/** The metric whose hourly trend the dashboard draws: the one the Joint Commission asks about. */
export const TREND_METRIC = 'time-to-acknowledge';

export type Loaded<T> =
  | { status: 'loading'; previous: T | null }
  | { status: 'error'; message: string; forbidden: boolean }
  | { status: 'ready'; value: T };

function failure(error: unknown): { status: 'error'; message: string; forbidden: boolean } {
  if (error instanceof OutcomesError) {
    return { status: 'error', message: error.message, forbidden: error.status === 403 };
  }
  return { status: 'error', message: 'The outcome numbers could not be read.', forbidden: false };
}

/**
 * The report and the trend for one query, fetched together; a new query (or `refresh`) cancels the
 * one in flight and keeps the last numbers on screen until the new ones arrive.
 */
export function useOutcomes(
  tokens: TokenSource,
  query: OutcomeQuery,
  refresh: number,
): Loaded<{ report: OutcomeReport; trend: OutcomeTrend }> {
  const [state, setState] = useState<Loaded<{ report: OutcomeReport; trend: OutcomeTrend }>>({
    status: 'loading',
    previous: null,
  });
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ status: 'loading', previous: s.status === 'ready' ? s.value : null }));
    Promise.all([
      fetchReport(tokens, query, abort.signal),
      fetchTrend(tokens, TREND_METRIC, query, abort.signal),
    ]).then(
      ([report, trend]) => !abort.signal.aborted && setState({ status: 'ready', value: { report, trend } }),
      (error: unknown) => !abort.signal.aborted && setState(failure(error)),
    );
    return () => abort.abort();
  }, [tokens, query, refresh]);
  return state;
}

/** The tasks behind one figure (its `tasks` link), or nothing while no figure is chosen. */
export function useTasksBehind(tokens: TokenSource, tasksPath: string | null): Loaded<TasksBehind> | null {
  const [state, setState] = useState<Loaded<TasksBehind> | null>(null);
  useEffect(() => {
    if (!tasksPath) {
      setState(null);
      return;
    }
    const abort = new AbortController();
    setState({ status: 'loading', previous: null });
    fetchTasksBehind(tokens, tasksPath, abort.signal).then(
      (value) => !abort.signal.aborted && setState({ status: 'ready', value }),
      (error: unknown) => !abort.signal.aborted && setState(failure(error)),
    );
    return () => abort.abort();
  }, [tokens, tasksPath]);
  return state;
}
