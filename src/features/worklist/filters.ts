import {
  isPastDeadline,
  PRIORITIES,
  TASK_KINDS,
  type Priority,
  type Task,
  type TaskKind,
} from '../../domain';
import { levelWords, stillEscalating } from '../escalations/wording';
import { KIND_WORDS, PRIORITY_WORDS, REASON_WORDS, STATUS_WORDS } from '../shared/words';

/**
 * The list filters. The typed filter matches the words the rows show (a filter that finds nothing for
 * "STAT" while the table says STAT is broken), and stays in memory (it may name a patient). The quick
 * filters are enum values and unit codes only, so they live in the URL (`?unit=4W&priority=stat`) and
 * survive a reload; nothing typed ever goes there.
 */

/** Lower-cased words a row shows for this task, as the filter reads them. */
export function searchText(task: Task, now: number): string {
  const words = [
    task.title,
    task.patient?.name,
    task.patient?.bed,
    task.patient?.mrn,
    task.unit,
    task.owner?.name ?? 'Unclaimed',
    KIND_WORDS[task.kind],
    PRIORITY_WORDS[task.priority],
    STATUS_WORDS[task.status],
    isPastDeadline(task, now) ? 'Overdue' : null,
    task.escalation.level > 0 ? `Escalated ${levelWords(task.escalation)}` : null,
    task.hold ? `On hold ${task.hold.reason}` : null,
    task.exception ? REASON_WORDS[task.exception.reasonCode] : null,
    task.exception?.sourceRef?.system,
    task.exception?.sourceRef?.messageId,
  ];
  return words.filter(Boolean).join(' ').toLowerCase();
}

/** Every typed word must appear somewhere in what the row shows. */
export function matchesFilter(task: Task, filter: string, now: number): boolean {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = searchText(task, now);
  return words.every((w) => text.includes(w));
}

export interface QuickFilters {
  unit: string | null;
  kind: TaskKind | null;
  priority: Priority | null;
  overdue: boolean;
  escalating: boolean;
}

export const NO_QUICK_FILTERS: QuickFilters = {
  unit: null,
  kind: null,
  priority: null,
  overdue: false,
  escalating: false,
};

/** A unit code as the relay names units ("4W", "ICU"): never free text in a URL. */
const UNIT_CODE = /^[A-Za-z0-9][A-Za-z0-9-]{0,19}$/;

function oneOf<T extends string>(values: readonly T[], value: string | null): T | null {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : null;
}

/** Reads the URL's quick filters; anything not a known value is ignored rather than trusted. */
export function readQuickFilters(params: URLSearchParams): QuickFilters {
  const unit = params.get('unit');
  return {
    unit: unit !== null && UNIT_CODE.test(unit) ? unit : null,
    kind: oneOf(TASK_KINDS, params.get('kind')),
    priority: oneOf(PRIORITIES, params.get('priority')),
    overdue: params.get('overdue') === '1',
    escalating: params.get('escalating') === '1',
  };
}

/** The URL's query for these quick filters (empty when none is set), in a fixed order. */
export function quickFilterSearch(filters: QuickFilters): string {
  const params = new URLSearchParams();
  if (filters.unit) params.set('unit', filters.unit);
  if (filters.kind) params.set('kind', filters.kind);
  if (filters.priority) params.set('priority', filters.priority);
  if (filters.overdue) params.set('overdue', '1');
  if (filters.escalating) params.set('escalating', '1');
  const query = params.toString();
  return query ? `?${query}` : '';
}

export function hasQuickFilters(filters: QuickFilters): boolean {
  return Boolean(filters.unit || filters.kind || filters.priority || filters.overdue || filters.escalating);
}

export function matchesQuick(task: Task, filters: QuickFilters, now: number): boolean {
  if (filters.unit && task.unit !== filters.unit) return false;
  if (filters.kind && task.kind !== filters.kind) return false;
  if (filters.priority && task.priority !== filters.priority) return false;
  if (filters.overdue && !isPastDeadline(task, now)) return false;
  if (filters.escalating && !(task.escalation.level > 0 && stillEscalating(task))) return false;
  return true;
}
