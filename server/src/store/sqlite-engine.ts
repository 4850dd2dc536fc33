import Database, { type Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlRunner, SqlValue, StoreEngine, Transaction, TransactionOptions } from './engine';

export type Db = Database.Database;

/**
 * better-sqlite3 behind the asynchronous engine surface: every statement is synchronous inside, and
 * one queue orders whole transactions and single reads, so a read never sees a transaction that is
 * half-way through its awaits. With one writer there is nothing to lock and `seq` is MAX + 1.
 */
export class SqliteEngine implements StoreEngine {
  readonly kind = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly direct: Transaction;
  commits = 0;
  /** The last seq taken in the open transaction, or null before its first. */
  private seqInTransaction: number | null = null;

  constructor(readonly db: Db) {
    const runner = this.runner();
    this.direct = {
      ...runner,
      lock: () => Promise.resolve(),
      tryLock: (...keys: string[]) => Promise.resolve(keys.map(() => true)),
      now: (fallback: () => string) => Promise.resolve(fallback()),
      exec: (script) => Promise.resolve(void this.db.exec(script)),
      // MAX + 1 once per transaction, then counted here: a group of events inserts its `changes`
      // rows together at the end (docs/STORE.md ST15), so the table lags the seqs already taken.
      takeSeq: async () => {
        this.seqInTransaction ??=
          (await runner.get<{ last: number }>('SELECT COALESCE(MAX(seq), 0) AS last FROM changes'))?.last ??
          0;
        return ++this.seqInTransaction;
      },
    };
  }

  get open(): boolean {
    return this.db.open;
  }

  all<T>(text: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(text, params));
  }
  get<T>(text: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.exclusive(() => this.direct.get<T>(text, params));
  }
  rows(text: string, params: readonly SqlValue[] = []): Promise<unknown[][]> {
    return this.exclusive(() => this.direct.rows(text, params));
  }
  run(text: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.exclusive(() => this.direct.run(text, params));
  }

  transaction<T>(work: (tx: Transaction) => Promise<T>, { durable = true }: TransactionOptions = {}) {
    return this.exclusive(async () => {
      const previous = durable ? null : (this.db.pragma('synchronous', { simple: true }) as number);
      if (!durable) this.db.pragma('synchronous = NORMAL');
      try {
        this.statement('BEGIN IMMEDIATE').run();
        this.seqInTransaction = null;
        try {
          const result = await work(this.direct);
          this.statement('COMMIT').run();
          this.commits++;
          return result;
        } catch (error) {
          if (this.db.inTransaction) this.statement('ROLLBACK').run();
          throw error;
        }
      } finally {
        if (previous !== null) this.db.pragma(`synchronous = ${previous}`);
      }
    });
  }

  async ping(): Promise<boolean> {
    try {
      return this.db.open && (await this.get('SELECT 1 AS ok')) !== undefined;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.exclusive(() => {
      if (this.db.open) this.db.close();
    });
  }

  /** Runs `fn` after everything queued before it, whether that succeeded or not. */
  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private statement(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private runner(): SqlRunner {
    return {
      all: <T>(text: string, params: readonly SqlValue[] = []) =>
        Promise.resolve(this.statement(text).all(...params) as T[]),
      get: <T>(text: string, params: readonly SqlValue[] = []) =>
        Promise.resolve(this.statement(text).get(...params) as T | undefined),
      rows: (text: string, params: readonly SqlValue[] = []) => {
        const statement = this.statement(text);
        try {
          return Promise.resolve(statement.raw(true).all(...params) as unknown[][]);
        } finally {
          statement.raw(false);
        }
      },
      run: (text: string, params: readonly SqlValue[] = []) =>
        Promise.resolve({ changes: this.statement(text).run(...params).changes }),
    };
  }
}

/**
 * Opens the embedded SQLite database in WAL mode. `synchronous = FULL`: a transaction that returned is
 * on disk, because the relay completes Service Bus messages and answers `202` right after it — NORMAL
 * could lose the last commits on power loss.
 */
export function openSqlite(dataDir: string): Db {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, 'wardline.db');
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Another connection (a backup, an operator's sqlite3 shell) may hold the lock briefly.
  db.pragma('busy_timeout = 5000');
  return db;
}
