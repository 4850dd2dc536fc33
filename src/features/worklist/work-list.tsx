import {
  Fragment,
  memo,
  startTransition,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type RefObject,
} from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import type { Task } from '../../domain';
import { useNow } from '../../app/clock';
import { useDeviceClass } from '../../app/device';
import { VIEW_LINKS } from '../../app/navigation';
import { useExecute, usePendingTaskIds, useSession, useTasks } from '../../app/session';
import { useDocumentTitle } from '../../app/document-title';
import { useUi, type SortState } from '../../state/ui-store';
import { dryRun, may } from '../task/available-actions';
import type { Column, ListDefinition, RowContext } from './list-definition';
import { useListShortcuts } from './shortcuts';
import {
  ACTION_BUTTONS,
  LIST_SHORTCUTS,
  type ActionButton,
  type ShortcutAction,
} from '../task/action-registry';
import { compareIds } from './sorting';
import { hasQuickFilters, matchesFilter, matchesQuick, quickFilterSearch, readQuickFilters } from './filters';
import { CardSort, QuickFilterBar } from './quick-filters';
import { NEEDS_SOMEONE } from './selections';

/**
 * Table rows have one fixed height (app.css `.tbody .tr`), so the table never measures a row: a fast
 * scroll through 5,000 rows then costs only the rows that come into view. Cards wrap their text (large
 * fonts, long names), so they are measured, starting from this estimate.
 */
const TABLE_ROW_PX = 52;
const CARD_PX = 104;
/**
 * A phone's cards are narrower, so their text wraps more: the demo morning's measure 160–225 px at
 * 390 px wide. Estimated at 104, a phone's first render created and measured twice the cards it shows.
 */
const PHONE_CARD_PX = 190;
/** Rows rendered beyond the visible ones, so a flick of the list never shows blank space. */
const OVERSCAN_ROWS = 8;
/**
 * Until the first rows have been painted, one row beyond the visible ones: the first commit of a phone's
 * cards (creating and measuring each) was the longest task of a signed-in reload on a slow phone
 * (Lighthouse's 4x CPU). The full overscan follows while the browser is idle, two rows at a time (each
 * step's commit lays out and measures only those), long before a flick.
 */
const FIRST_PAINT_OVERSCAN_ROWS = 1;
const OVERSCAN_STEP_ROWS = 2;

/** The overscan: `FIRST_PAINT_OVERSCAN_ROWS` until rows have been shown, then widening when idle. */
function useOverscan(hasRows: boolean): number {
  const [overscan, setOverscan] = useState(FIRST_PAINT_OVERSCAN_ROWS);
  useEffect(() => {
    if (overscan >= OVERSCAN_ROWS || !hasRows) return;
    // A transition: React renders the extra rows in slices rather than in one task.
    const widen = () =>
      startTransition(() => setOverscan((o) => Math.min(OVERSCAN_ROWS, o + OVERSCAN_STEP_ROWS)));
    if ('requestIdleCallback' in window) {
      const id = requestIdleCallback(widen, { timeout: 1_000 });
      return () => cancelIdleCallback(id);
    }
    const id = setTimeout(widen, 100);
    return () => clearTimeout(id);
  }, [overscan, hasRows]);
  return overscan;
}

function sortRows(rows: Task[], sort: SortState, columns: Column[], now: number): Task[] {
  const column = columns.find((c) => c.id === sort.column);
  if (!column?.compare) return rows;
  const sign = sort.direction === 'asc' ? 1 : -1;
  if (column.sortKey) {
    const keyOf = column.sortKey;
    const keyed = rows.map((task) => ({ task, key: keyOf(task, now) }));
    keyed.sort((a, b) => sign * compareKeys(a.key, b.key) || compareIds(a.task.id, b.task.id));
    return keyed.map((k) => k.task);
  }
  const compare = column.compare;
  return [...rows].sort((a, b) => sign * compare(a, b, now) || compareIds(a.id, b.id));
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * A list view: its title and filter, then a virtualized dense table (desktop) or cards (phone,
 * tablet), with single-key shortcuts. Rows link to `<view>/<task id>`: the URL carries task ids only.
 */
export function WorkList({ definition }: { definition: ListDefinition }) {
  const { me } = useSession();
  const tasks = useTasks();
  const now = useNow();
  const sending = usePendingTaskIds();
  const device = useDeviceClass();
  const execute = useExecute();
  const navigate = useNavigate();
  const { taskId: selectedId } = useParams();
  // Quick filters are enum values in the URL; the typed filter stays in memory (it may name a patient).
  const [searchParams, setSearchParams] = useSearchParams();
  const quick = useMemo(() => readQuickFilters(searchParams), [searchParams]);
  const { search } = useLocation();
  const filter = useUi((s) => s.filters[definition.id] ?? '');
  const storedSort = useUi((s) => s.sorts[definition.id]);
  const sort = storedSort ?? definition.defaultSort;
  const { setFilter, setSort, showHint } = useUi.getState();
  const filterRef = useRef<HTMLInputElement>(null);
  const filterId = useId();
  const basePath = VIEW_LINKS[definition.id].path;
  useDocumentTitle(definition.title);

  const ctx = useMemo<RowContext>(
    () => ({ me, now, nowIso: new Date(now).toISOString(), sending }),
    [me, now, sending],
  );
  const selected = useMemo(
    () => (tasks ? definition.select(tasks, ctx) : undefined),
    [tasks, definition, ctx],
  );
  const rows = useMemo(() => {
    if (!selected) return [];
    const filtered = selected.filter(
      (t) => matchesQuick(t, quick, now) && (!filter || matchesFilter(t, filter, now)),
    );
    return sortRows(filtered, sort, definition.columns, now);
  }, [selected, filter, quick, sort, definition.columns, now]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const isTable = device === 'desktop';
  // A phone keeps its height for rows (issue 16): sort and quick filters wait behind one button there,
  // and stay open while any quick filter narrows the list, so a filtered list always says so.
  const [toolsOpen, setToolsOpen] = useState(false);
  const toolsId = useId();
  const narrowedByQuick = hasQuickFilters(quick);
  const showTools = device !== 'phone' || toolsOpen || narrowedByQuick;
  const overscan = useOverscan(rows.length > 0);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => (isTable ? TABLE_ROW_PX : device === 'phone' ? PHONE_CARD_PX : CARD_PX),
    overscan,
    getItemKey: (index) => rows[index]?.id ?? index,
    // Whole pixels, rounded up: fractional heights added up over many cards let one card cover the
    // border line of the card above it.
    measureElement: (element) => Math.ceil(element.getBoundingClientRect().height),
  });

  // Table rows and cards differ in height: measurements of one layout mean nothing in the other.
  useEffect(() => {
    virtualizer.measure();
  }, [isTable, virtualizer]);

  const selectedIndex = selectedId ? rows.findIndex((t) => t.id === selectedId) : -1;
  const selectedTask = selectedIndex >= 0 ? rows[selectedIndex] : undefined;
  // Where the selected row was: when it leaves the list (resolved, claimed by someone), `j` goes on
  // from its place — the row that took it — rather than back to row 1.
  const lastIndex = useRef(-1);
  if (selectedIndex >= 0) lastIndex.current = selectedIndex;

  function open(task: Task, replace = false) {
    void navigate({ pathname: `${basePath}/${encodeURIComponent(task.id)}`, search }, { replace });
  }

  function act(action: ShortcutAction) {
    if (!selectedTask) {
      showHint('Select a task first: j and k move through the list.');
      return;
    }
    if (action === 'resolve' && selectedTask.kind === 'exception') {
      // An exception ends with an outcome: take the person to the choice rather than guess.
      document.getElementById('resolve-outcomes')?.querySelector('button')?.focus();
      showHint('Choose how this exception ends: fixed, dismissed, or sent back upstream.');
      return;
    }
    const { type, payload } = ACTION_BUTTONS[action] as ActionButton;
    const verdict = dryRun(selectedTask, type, payload, me, new Date().toISOString());
    if (!verdict.ok) {
      showHint(verdict.why);
      return;
    }
    void execute(selectedTask.id, type, payload);
  }

  // The rows j/k moved to that the URL has not reached yet: the router commits a navigation as a
  // transition, so a second press can come before the first move is on screen. While the selection is
  // one of these, the next move goes on from the last (three quick presses are three rows, not one).
  const moves = useRef<string[]>([]);

  useListShortcuts({
    onMove(delta) {
      if (rows.length === 0) return;
      const here = selectedId ?? '';
      const ahead = moves.current.includes(here) ? moves.current.at(-1) : undefined;
      const aheadIndex = ahead !== undefined && ahead !== here ? rows.findIndex((t) => t.id === ahead) : -1;
      let from = aheadIndex >= 0 ? aheadIndex : selectedIndex;
      if (from < 0 && selectedId && lastIndex.current >= 0) from = lastIndex.current - (delta > 0 ? 1 : 0);
      else if (from < 0) from = delta > 0 ? -1 : rows.length;
      const next = rows[Math.min(rows.length - 1, Math.max(0, from + delta))];
      if (!next) return;
      moves.current = aheadIndex >= 0 ? [...moves.current, next.id] : [here, next.id];
      open(next, true);
    },
    onFilter: () => filterRef.current?.focus(),
    onAction: act,
  });

  // When the selection moves (j/k, a click, a deep link): bring the row into view, and keep keyboard
  // focus with it when focus was in the list, so a screen reader announces the new row.
  const lastScrolledTo = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (selectedIndex < 0 || lastScrolledTo.current === selectedId) return;
    lastScrolledTo.current = selectedId;
    virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
    const frame = requestAnimationFrame(() => {
      const active = document.activeElement;
      const list = scrollRef.current;
      if (!list || (active !== document.body && !list.contains(active))) return;
      list.querySelector<HTMLElement>(`[data-task-id="${CSS.escape(selectedId ?? '')}"] a`)?.focus();
    });
    return () => cancelAnimationFrame(frame);
  }, [selectedId, selectedIndex, virtualizer]);

  const total = selected?.length ?? 0;
  const narrowed = Boolean(filter) || quickFilterSearch(quick) !== '';
  const countText =
    selected === undefined
      ? 'Fetching your worklist…'
      : narrowed
        ? `${rows.length} of ${total} ${total === 1 ? 'task' : 'tasks'} match`
        : `${total} ${total === 1 ? 'task' : 'tasks'}${needsSomeoneWords(definition, selected)}`;

  return (
    <div className={`work-list view-${definition.id}`}>
      <div className="list-header">
        <div className="list-title">
          <h1>{definition.title}</h1>
          <p className="count" aria-live="polite">
            {countText}
          </p>
        </div>
        <div className="filter">
          <label htmlFor={filterId}>Filter</label>
          <input
            id={filterId}
            ref={filterRef}
            type="search"
            value={filter}
            placeholder="Patient, bed, task…"
            autoComplete="off"
            onChange={(e) => setFilter(definition.id, e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setFilter(definition.id, '');
                e.currentTarget.blur();
              }
            }}
          />
          {device === 'phone' && !narrowedByQuick && (
            <button
              type="button"
              className="btn list-tools-toggle"
              aria-label="Sort and filter"
              aria-expanded={showTools}
              aria-controls={toolsId}
              onClick={() => setToolsOpen((open) => !open)}
            >
              Sort
            </button>
          )}
        </div>
        <p className="summary">{definition.summary}</p>
        <div className="list-tools" id={toolsId} hidden={!showTools}>
          {/* Sort first on cards: on a phone the tools scroll sideways and the sort must not hide. */}
          {!isTable && (
            <CardSort columns={definition.columns} sort={sort} onSort={(s) => setSort(definition.id, s)} />
          )}
          <QuickFilterBar
            tasks={selected ?? []}
            filters={quick}
            onChange={(next) =>
              setSearchParams(new URLSearchParams(quickFilterSearch(next)), { replace: true })
            }
          />
        </div>
        {device === 'desktop' && <ShortcutLegend />}
      </div>
      <ListHint />
      {selected !== undefined && rows.length === 0 ? (
        <p className="empty">{narrowed ? 'Nothing matches this filter.' : definition.empty}</p>
      ) : isTable ? (
        <VirtualTable
          definition={definition}
          rows={rows}
          ctx={ctx}
          sort={sort}
          onSort={(s) => setSort(definition.id, s)}
          selectedId={selectedId}
          scrollRef={scrollRef}
          virtualizer={virtualizer}
          onOpen={(t) => open(t)}
          basePath={basePath}
          search={search}
        />
      ) : (
        <VirtualCards
          definition={definition}
          rows={rows}
          ctx={ctx}
          selectedId={selectedId}
          scrollRef={scrollRef}
          virtualizer={virtualizer}
          basePath={basePath}
          search={search}
        />
      )}
    </div>
  );
}

/** " · 5 not acknowledged": the navigation badge's number, counted by the same rule (selections.ts). */
function needsSomeoneWords(definition: ListDefinition, selected: readonly Task[]): string {
  const needs = NEEDS_SOMEONE[definition.id];
  if (!needs) return '';
  return ` · ${selected.filter(needs.keep).length} ${needs.words}`;
}

function ListHint() {
  const hint = useUi((s) => s.hint);
  const clearHint = useUi((s) => s.clearHint);
  useEffect(() => {
    if (!hint) return;
    const timer = setTimeout(clearHint, 8_000);
    return () => clearTimeout(timer);
  }, [hint, clearHint]);
  return (
    <p className={hint ? 'hint' : 'hint is-empty'} role="status">
      {hint?.text ?? ''}
    </p>
  );
}

function ShortcutLegend() {
  const on = useUi((s) => s.shortcutsOn);
  const setOn = useUi((s) => s.setShortcutsOn);
  return (
    <div className="shortcuts">
      {on && (
        <p className="legend">
          <kbd>j</kbd>/<kbd>k</kbd> move ·{' '}
          {Object.entries(LIST_SHORTCUTS).map(([key, id]) => (
            <Fragment key={key}>
              <kbd>{key}</kbd> {ACTION_BUTTONS[id].label.toLowerCase()} ·{' '}
            </Fragment>
          ))}
          <kbd>/</kbd> filter
        </p>
      )}
      <button type="button" className="btn btn-quiet" aria-pressed={on} onClick={() => setOn(!on)}>
        Key shortcuts {on ? 'on' : 'off'}
      </button>
    </div>
  );
}

function QuickActionButton({
  task,
  definition,
  ctx,
}: {
  task: Task;
  definition: ListDefinition;
  ctx: RowContext;
}) {
  const execute = useExecute();
  const id = definition.quickAction?.(task, ctx);
  const action = id ? ACTION_BUTTONS[id] : null;
  if (!action || !may(task, action.type, undefined, ctx.me, ctx.nowIso)) return null;
  const patient = task.patient ? `, ${task.patient.name}` : '';
  return (
    <button
      type="button"
      className="btn btn-primary quick-action"
      aria-label={`${action.label}: ${task.title}${patient}`}
      onClick={(e) => {
        e.stopPropagation();
        void execute(task.id, action.type);
      }}
    >
      {action.label}
    </button>
  );
}

interface RowProps {
  task: Task;
  ctx: RowContext;
  definition: ListDefinition;
  basePath: string;
  /** The list's quick filters (`?unit=…`), kept when a row is opened. */
  search: string;
}

/**
 * A row's cells, memoized: scrolling re-renders the list on every frame to move rows, and only rows
 * that are new on screen (or whose task changed) should pay for rendering their cells.
 */
const TableCells = memo(function TableCells({ task, ctx, definition, basePath, search }: RowProps) {
  return (
    <>
      {definition.columns.map((column, i) => (
        <div role="cell" key={column.id} className={`td col-${column.id}`}>
          {i === 0 ? (
            <Link to={`${basePath}/${encodeURIComponent(task.id)}${search}`} className="row-link">
              {column.cell(task, ctx)}
            </Link>
          ) : (
            column.cell(task, ctx)
          )}
        </div>
      ))}
      {definition.quickAction && (
        <div role="cell" className="td col-action">
          <QuickActionButton task={task} definition={definition} ctx={ctx} />
        </div>
      )}
    </>
  );
});

const CardBody = memo(function CardBody({
  task,
  ctx,
  definition,
  basePath,
  search,
  selected,
}: RowProps & { selected: boolean }) {
  return (
    <>
      <Link
        to={`${basePath}/${encodeURIComponent(task.id)}${search}`}
        className="card-link"
        aria-current={selected ? 'true' : undefined}
      >
        {definition.card(task, ctx)}
      </Link>
      <QuickActionButton task={task} definition={definition} ctx={ctx} />
    </>
  );
});

interface VirtualProps {
  definition: ListDefinition;
  rows: Task[];
  ctx: RowContext;
  selectedId: string | undefined;
  scrollRef: RefObject<HTMLDivElement | null>;
  virtualizer: Virtualizer<HTMLDivElement, Element>;
  basePath: string;
  search: string;
}

function VirtualTable({
  definition,
  rows,
  ctx,
  sort,
  onSort,
  selectedId,
  scrollRef,
  virtualizer,
  onOpen,
  basePath,
  search,
}: VirtualProps & { sort: SortState; onSort(sort: SortState): void; onOpen(task: Task): void }) {
  const hasAction = Boolean(definition.quickAction);
  return (
    <div className="table" role="table" aria-label={definition.title} aria-rowcount={rows.length + 1}>
      <div role="rowgroup" className="thead">
        <div role="row" className="tr" aria-rowindex={1}>
          {definition.columns.map((column) => {
            const active = sort.column === column.id;
            const ariaSort = active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined;
            return (
              <div role="columnheader" key={column.id} aria-sort={ariaSort} className={`th col-${column.id}`}>
                {column.compare ? (
                  <button
                    type="button"
                    className="sort"
                    onClick={() =>
                      onSort({
                        column: column.id,
                        direction: active && sort.direction === 'asc' ? 'desc' : 'asc',
                      })
                    }
                  >
                    {column.header}
                    <span aria-hidden="true" className="sort-mark">
                      {active ? (sort.direction === 'asc' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                ) : (
                  column.header
                )}
              </div>
            );
          })}
          {hasAction && (
            <div role="columnheader" className="th col-action">
              <span className="sr-only">Action</span>
            </div>
          )}
        </div>
      </div>
      <div role="rowgroup" className="tbody" ref={scrollRef}>
        <div className="spacer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const task = rows[item.index];
            if (!task) return null;
            const isSelected = task.id === selectedId;
            return (
              <div
                role="row"
                key={item.key}
                data-index={item.index}
                data-task-id={task.id}
                aria-rowindex={item.index + 2}
                aria-current={isSelected ? 'true' : undefined}
                className={isSelected ? 'tr is-selected' : 'tr'}
                style={{ transform: `translateY(${item.start}px)` }}
                onClick={() => onOpen(task)}
              >
                <TableCells
                  task={task}
                  ctx={ctx}
                  definition={definition}
                  basePath={basePath}
                  search={search}
                />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function VirtualCards({
  definition,
  rows,
  ctx,
  selectedId,
  scrollRef,
  virtualizer,
  basePath,
  search,
}: VirtualProps) {
  return (
    <div className="card-scroll" ref={scrollRef}>
      <ul className="cards" aria-label={definition.title} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const task = rows[item.index];
          if (!task) return null;
          const isSelected = task.id === selectedId;
          return (
            <li
              key={item.key}
              data-index={item.index}
              data-task-id={task.id}
              ref={virtualizer.measureElement}
              aria-setsize={rows.length}
              aria-posinset={item.index + 1}
              className={isSelected ? 'card is-selected' : 'card'}
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <CardBody
                task={task}
                ctx={ctx}
                definition={definition}
                basePath={basePath}
                search={search}
                selected={isSelected}
              />
            </li>
          );
        })}
      </ul>
    </div>
  );
}
