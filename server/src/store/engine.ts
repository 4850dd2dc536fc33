/**
 * The two storage engines (SQLite, PostgreSQL) behind one small asynchronous SQL surface. Everything
 * above it — the worklist store, the staff directory, push subscriptions, the outcome metrics — is
 * written once, in portable SQL with `?` placeholders; the engine translates placeholders and owns the
 * few things that differ between the two (docs/STORE.md "Engines"): transactions, per-task locks and
 * how a change's `seq` is taken.
 */

/** What a query may bind: numbers, text, null. Booleans are stored as 0/1 by the caller. */
export type SqlValue = string | number | null;

/** Runs statements. Inside a transaction it is the transaction's own connection. */
export interface SqlRunner {
  /** Every row, as objects keyed by column name (write snake_case aliases: PostgreSQL folds case). */
  all<T = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Every row as an array of column values, in select-list order: cheaper for wide result sets. */
  rows(text: string, params?: readonly SqlValue[]): Promise<unknown[][]>;
  /** An INSERT/UPDATE/DELETE; answers how many rows it touched. */
  run(text: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

/** A transaction's runner, with the two operations whose SQL differs between engines. */
export interface Transaction extends SqlRunner {
  /**
   * Holds each key (e.g. `task:abc`) until commit, in the order given, so a concurrent writer on the
   * same key waits before it reads: SQLite serializes every write transaction already; PostgreSQL takes
   * transaction-scoped advisory locks. Take locks in one order (command/event id, then task) so two
   * writers never deadlock. One call, one round trip: pass every key at once.
   */
  lock(...keys: string[]): Promise<void>;
  /**
   * Like `lock`, but never waits: answers, per key, whether it is now held until commit. The escalation
   * scheduler uses it on rows it already holds, so it never waits for a writer that may wait for it
   * (docs/STORE.md CL5). SQLite holds everything already: all true.
   */
  tryLock(...keys: string[]): Promise<boolean[]>;
  /**
   * The next `seq` of the worklist's change stream, reserved until commit: gap-free, and commits happen
   * in `seq` order (ST1). Take it as late as possible — the stream is serialized from here to commit.
   */
  takeSeq(): Promise<number>;
  /**
   * Now, as ISO-8601 UTC: the database's clock on PostgreSQL (one clock for every relay), `fallback`
   * on SQLite, whose only relay is the clock.
   */
  now(fallback: () => string): Promise<string>;
  /** Runs a script of several statements without parameters (a migration). */
  exec(script: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * `false` for derived data (the outcome projection) that a crash may lose and the next catch-up
   * redoes: SQLite `synchronous = NORMAL`, PostgreSQL `synchronous_commit = off`, for this transaction.
   */
  durable?: boolean;
}

export type EngineKind = 'sqlite' | 'postgres';

export interface StoreEngine extends SqlRunner {
  readonly kind: EngineKind;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Inside,
   * use only the given `tx` — never the engine itself (on SQLite that would wait for this very
   * transaction to end) — and await nothing but `tx`.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** True when a trivial query answers now: `/readyz`. Never throws. */
  ping(): Promise<boolean>;
  /**
   * Write transactions committed since the engine opened: how many commits (fsyncs) the work cost —
   * what group commit (ST17) saves, and what its tests and the ingest benchmark read.
   */
  readonly commits: number;
  /** False once closed: background work (a projection catch-up) stops quietly. */
  readonly open: boolean;
  close(): Promise<void>;
}

/** The stream every change belongs to today; one counter row per stream (docs/STORE.md ST1). */
export const WORKLIST_STREAM = 'worklist';
