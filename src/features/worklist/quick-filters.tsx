import { useId } from 'react';
import type { Priority, Task, TaskKind } from '../../domain';
import { KIND_WORDS, PRIORITY_WORDS } from '../shared/words';
import type { Column } from './list-definition';
import type { SortState } from '../../state/ui-store';
import { hasQuickFilters, NO_QUICK_FILTERS, type QuickFilters } from './filters';

const PRIORITY_ORDER: Priority[] = ['stat', 'asap', 'urgent', 'routine'];

/**
 * Unit, kind, priority, overdue and escalating (the selects say what they hold — "All units" — so their
 * labels are for screen readers only and the row stays short): one tap each, kept in the URL by the list (so a reload
 * or a shared link keeps them). The choices offered are those the list holds, plus whatever is chosen.
 */
export function QuickFilterBar({
  tasks,
  filters,
  onChange,
}: {
  tasks: readonly Task[];
  filters: QuickFilters;
  onChange(filters: QuickFilters): void;
}) {
  const id = useId();
  const units = [...new Set([...tasks.map((t) => t.unit), ...(filters.unit ? [filters.unit] : [])])].sort();
  const kinds = [...new Set([...tasks.map((t) => t.kind), ...(filters.kind ? [filters.kind] : [])])];
  return (
    <div className="quick-filters" role="group" aria-label="Quick filters">
      {units.length > 1 || filters.unit ? (
        <span className="quick-filter">
          <label htmlFor={`${id}-unit`} className="sr-only">
            Unit
          </label>
          <select
            id={`${id}-unit`}
            value={filters.unit ?? ''}
            onChange={(e) => onChange({ ...filters, unit: e.target.value || null })}
          >
            <option value="">All units</option>
            {units.map((unit) => (
              <option key={unit} value={unit}>
                {unit}
              </option>
            ))}
          </select>
        </span>
      ) : null}
      {kinds.length > 1 || filters.kind ? (
        <span className="quick-filter">
          <label htmlFor={`${id}-kind`} className="sr-only">
            Kind
          </label>
          <select
            id={`${id}-kind`}
            value={filters.kind ?? ''}
            onChange={(e) => onChange({ ...filters, kind: (e.target.value || null) as TaskKind | null })}
          >
            <option value="">All kinds</option>
            {kinds.map((kind) => (
              <option key={kind} value={kind}>
                {KIND_WORDS[kind]}
              </option>
            ))}
          </select>
        </span>
      ) : null}
      <span className="quick-filter">
        <label htmlFor={`${id}-priority`} className="sr-only">
          Priority
        </label>
        <select
          id={`${id}-priority`}
          value={filters.priority ?? ''}
          onChange={(e) => onChange({ ...filters, priority: (e.target.value || null) as Priority | null })}
        >
          <option value="">Any priority</option>
          {PRIORITY_ORDER.map((priority) => (
            <option key={priority} value={priority}>
              {PRIORITY_WORDS[priority]}
            </option>
          ))}
        </select>
      </span>
      <button
        type="button"
        className="btn btn-toggle"
        aria-pressed={filters.overdue}
        onClick={() => onChange({ ...filters, overdue: !filters.overdue })}
      >
        Overdue
      </button>
      <button
        type="button"
        className="btn btn-toggle"
        aria-pressed={filters.escalating}
        onClick={() => onChange({ ...filters, escalating: !filters.escalating })}
      >
        Escalating
      </button>
      {hasQuickFilters(filters) && (
        <button type="button" className="btn btn-quiet" onClick={() => onChange(NO_QUICK_FILTERS)}>
          Clear quick filters
        </button>
      )}
    </div>
  );
}

/** Cards (phone, tablet) sort by the same columns as the table, with the same default. */
export function CardSort({
  columns,
  sort,
  onSort,
}: {
  columns: readonly Column[];
  sort: SortState;
  onSort(sort: SortState): void;
}) {
  const id = useId();
  const sortable = columns.filter((c) => c.compare);
  return (
    <span className="quick-filter card-sort">
      <label htmlFor={id}>Sort by</label>
      <select
        id={id}
        value={`${sort.column}:${sort.direction}`}
        onChange={(e) => {
          const [column = sort.column, direction] = e.target.value.split(':');
          onSort({ column, direction: direction === 'desc' ? 'desc' : 'asc' });
        }}
      >
        {sortable.flatMap((c) => [
          <option key={`${c.id}:asc`} value={`${c.id}:asc`}>
            {c.header}, ascending
          </option>,
          <option key={`${c.id}:desc`} value={`${c.id}:desc`}>
            {c.header}, descending
          </option>,
        ])}
      </select>
    </span>
  );
}
