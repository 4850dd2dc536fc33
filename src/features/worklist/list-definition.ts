import type { ReactNode } from 'react';
import type { Principal, Task } from '../../domain';
import type { SortState, ViewId } from '../../state/ui-store';
import type { ButtonId } from '../task/action-registry';

/** What a row's cells and cards may read besides the task. */
export interface RowContext {
  me: Principal;
  /** The shared clock (ms), and the same instant as ISO for `decide` dry runs. */
  now: number;
  nowIso: string;
  /** Tasks with an action on its way to the relay. */
  sending: ReadonlySet<string>;
}

export interface Column {
  id: string;
  header: string;
  cell(task: Task, ctx: RowContext): ReactNode;
  /** Ascending order for this column; absent when the column cannot be sorted. */
  compare?(a: Task, b: Task, now: number): number;
  /**
   * The same ascending order as numbers, worked out once per row before a sort (lowest first, compared
   * in turn); when given, a sort uses it instead of `compare`, which on 5,000 rows is ~60,000 calls.
   */
  sortKey?(task: Task, now: number): readonly number[];
}

/** A one-tap action offered on each row where the relay would apply it (claim, acknowledge). */
export type QuickAction = Extract<ButtonId, 'claim' | 'acknowledge'>;

/**
 * One list view, declared once: which tasks, in which order, as which columns (desktop table) and cards
 * (phone and tablet). The list machinery (filter, sort, virtual scrolling, keyboard) is shared.
 */
export interface ListDefinition {
  id: ViewId;
  title: string;
  /** What the list holds, in one sentence under the title. */
  summary: string;
  select(tasks: readonly Task[], ctx: RowContext): Task[];
  columns: Column[];
  defaultSort: SortState;
  /** The body of a card; the title line is the card's link. */
  card(task: Task, ctx: RowContext): ReactNode;
  quickAction?(task: Task, ctx: RowContext): QuickAction | null;
  /** What an empty list says; may lead somewhere (My work's empty list links to the unit queue). */
  empty: ReactNode;
}
