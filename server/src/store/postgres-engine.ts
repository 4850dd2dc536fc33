import { createHash } from 'node:crypto';
import pg from 'pg';
import type { SqlRunner, SqlValue, StoreEngine, Transaction, TransactionOptions } from './engine';
import { WORKLIST_STREAM } from './engine';

/** int8 and numeric come back as JavaScript numbers: seq, counts, sums and millisecond times fit. */
const NUMBER_OIDS = new Set([20, 1700]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMBER_OIDS.has(oid) && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** `?` placeholders (outside string literals) become `$1, $2, …`; cached, the texts are few. */
const translated = new Map<string, { text: string; name: string }>();
export function toPostgres(text: string): { text: string; name: string } {
  let hit = translated.get(text);
  if (!hit) {
    let n = 0;
    let quoted = false;
    let out = '';
    for (const ch of text) {
      if (ch === "'") quoted = !quoted;
      out += ch === '?' && !quoted ? `$${++n}` : ch;
    }
    // A named statement is prepared once per connection and reused: the planner's work is not repeated.
    hit = { text: out, name: `w${createHash('sha1').update(out).digest('hex').slice(0, 20)}` };
    translated.set(text, hit);
  }
  return hit;
}

const PING_TIMEOUT_MS = 2_000;

/**
 * Bounds on a stalled holder (docs/STORE.md CL6). A relay frozen (SIGSTOP, a stuck event loop) inside a
 * transaction holds its row and advisory locks — due escalations, a task, the counter row — until the
 * server ends its session: `idle_in_transaction_session_timeout` does that after 5 s of silence. A
 * statement that runs or waits longer than 30 s is cancelled. TCP keepalives (first probe after 5 s)
 * find a peer that vanished without closing its socket (a host lost, a cable pulled).
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 5_000;
export const STATEMENT_TIMEOUT_MS = 30_000;
export const KEEPALIVE_INITIAL_DELAY_MS = 5_000;
const SESSION_OPTIONS = [
  '-c synchronous_commit=on',
  `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
  `-c statement_timeout=${STATEMENT_TIMEOUT_MS}`,
].join(' ');

/** The channel a commit announces itself on: the payload is `<stream>:<seq>`, never patient data (CL2). */
export const CHANGES_CHANNEL = 'wardline_changes';
/** Word between relays that is not a worklist change (`cluster-signals.ts`): ids only, never patient data. */
export const SIGNALS_CHANNEL = 'wardline_signals';

/** A 64-bit advisory lock id for a key: the first 8 bytes of its SHA-1, as a signed integer literal. */
export function lockId(key: string): string {
  return createHash('sha1').update(key).digest().readBigInt64BE(0).toString();
}

/** Statements binding more values than this are not kept prepared (see runnerOf). */
const MAX_PREPARED_VALUES = 32;

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

function runnerOf(client: Queryable): SqlRunner {
  const query = (text: string, params: readonly SqlValue[], rowMode?: 'array') => {
    const { text: sql, name } = toPostgres(text);
    // A group's multi-row INSERTs and IN lists (docs/STORE.md ST15) come in many sizes: prepared by
    // name, each size would stay in every pooled backend's memory. Those are parsed per use instead.
    const named = params.length <= MAX_PREPARED_VALUES ? { name } : {};
    return client.query({
      text: sql,
      ...named,
      values: params as SqlValue[],
      ...(rowMode ? { rowMode } : {}),
    });
  };
  return {
    all: async <T>(text: string, params: readonly SqlValue[] = []) => (await query(text, params)).rows as T[],
    get: async <T>(text: string, params: readonly SqlValue[] = []) =>
      (await query(text, params)).rows[0] as T | undefined,
    rows: async (text: string, params: readonly SqlValue[] = []) =>
      (await query(text, params, 'array')).rows as unknown[][],
    run: async (text: string, params: readonly SqlValue[] = []) => ({
      changes: (await query(text, params)).rowCount ?? 0,
    }),
  };
}

export interface PostgresOptions {
  connectionString: string;
  /** Connections in the pool (DATABASE_POOL_SIZE). */
  max?: number;
  /** A password per new connection: an Entra access token for Azure Database for PostgreSQL. */
  password?: () => Promise<string>;
  /** Called when an idle connection breaks (the server restarted, the network dropped). */
  onIdleError?: (error: Error) => void;
  /** `application_name` of every connection (`wardline-<RELAY_ID>`): which relay a backend serves. */
  applicationName?: string;
}

/**
 * PostgreSQL through a `pg` Pool. Each transaction holds one pooled connection; a task's writers queue
 * on a transaction-scoped advisory lock, and `seq` comes from the stream's counter row, whose row lock
 * lasts until commit (docs/STORE.md ST1–ST3). `synchronous_commit = on` for every connection: a `202`
 * means committed to disk (and to a synchronous standby where the server has one).
 */
export class PostgresEngine implements StoreEngine {
  readonly kind = 'postgres' as const;
  private readonly direct: SqlRunner;
  private closed = false;
  private readonly closeHooks: Array<() => void> = [];
  commits = 0;

  constructor(
    readonly pool: pg.Pool,
    private readonly connection: {
      connectionString: string;
      password?: () => Promise<string>;
      applicationName?: string;
    } | null = null,
  ) {
    this.direct = runnerOf(pool);
  }

  /**
   * A connection of its own, outside the pool, with the pool's session settings: for LISTEN and for a
   * session-level advisory lock, which must stay on one connection (docs/STORE.md CL2, CL8).
   */
  async dedicatedClient(): Promise<pg.Client> {
    if (!this.connection) throw new Error('This engine was built without its connection settings.');
    const client = new pg.Client({
      connectionString: this.connection.connectionString,
      types,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      connectionTimeoutMillis: 10_000,
      options: SESSION_OPTIONS,
      ...(this.connection.password ? { password: this.connection.password } : {}),
      ...(this.connection.applicationName ? { application_name: this.connection.applicationName } : {}),
    });
    await client.connect();
    return client;
  }

  static create({
    connectionString,
    max = 10,
    password,
    onIdleError,
    applicationName,
  }: PostgresOptions): PostgresEngine {
    const pool = new pg.Pool({
      connectionString,
      max,
      types,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      options: SESSION_OPTIONS,
      ...(password ? { password } : {}),
      ...(applicationName ? { application_name: applicationName } : {}),
    });
    // Without a listener a broken idle connection would crash the process; the pool replaces it.
    pool.on('error', (error) => onIdleError?.(error));
    return new PostgresEngine(pool, {
      connectionString,
      ...(password ? { password } : {}),
      ...(applicationName ? { applicationName } : {}),
    });
  }

  get open(): boolean {
    return !this.closed;
  }

  all<T>(text: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(text, params);
  }
  get<T>(text: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.direct.get<T>(text, params);
  }
  rows(text: string, params?: readonly SqlValue[]): Promise<unknown[][]> {
    return this.direct.rows(text, params);
  }
  run(text: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.direct.run(text, params);
  }

  async transaction<T>(
    work: (tx: Transaction) => Promise<T>,
    { durable = true }: TransactionOptions = {},
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The server may end this session while it is checked out (CL6's idle-in-transaction timeout after
    // a freeze, a failover): pg then emits 'error' on the client, which with no listener is an uncaught
    // exception that kills the relay. Note it instead; the statement under way fails, and the broken
    // connection is not returned to the pool.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    // BEGIN goes out with the transaction's first statement when that is a lock (the usual case): one
    // round trip fewer per write.
    let begin: string | null = durable ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off';
    const begun = async (script?: string) => {
      const text = [begin, script].filter(Boolean).join('; ');
      begin = null;
      if (text) await client.query(text);
    };
    try {
      const inner = runnerOf(client);
      const runner: SqlRunner = {
        all: async (text, params) => (await begun(), inner.all(text, params)),
        get: async (text, params) => (await begun(), inner.get(text, params)),
        rows: async (text, params) => (await begun(), inner.rows(text, params)),
        run: async (text, params) => (await begun(), inner.run(text, params)),
      };
      const tx: Transaction = {
        ...runner,
        lock: async (...keys) => {
          // Keys are hashed here, so the statement holds only integers and can share BEGIN's message.
          if (keys.length === 0) return begun();
          await begun(`SELECT ${keys.map((key) => `pg_advisory_xact_lock(${lockId(key)})`).join(', ')}`);
        },
        tryLock: async (...keys) => {
          if (keys.length === 0) return [];
          await begun();
          const result = await client.query({
            text: `SELECT ${keys.map((key) => `pg_try_advisory_xact_lock(${lockId(key)})`).join(', ')}`,
            rowMode: 'array',
          });
          return (result.rows[0] as boolean[]).map(Boolean);
        },
        now: async () => {
          const row = await runner.get<{ now: string }>(
            `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`,
          );
          return row!.now;
        },
        takeSeq: async () => {
          // The NOTIFY rides on the same statement and is delivered at commit, never for a rollback:
          // every relay's tail then reads the change from the log (docs/STORE.md CL2).
          const row = await runner.get<{ seq: number }>(
            `UPDATE stream_counters SET seq = seq + 1 WHERE stream = ?
             RETURNING seq, pg_notify('${CHANGES_CHANNEL}', stream || ':' || seq) AS notified`,
            [WORKLIST_STREAM],
          );
          if (!row) throw new Error(`The stream counter row '${WORKLIST_STREAM}' is missing.`);
          return row.seq;
        },
        exec: async (script) => {
          await begun();
          await client.query(script);
        },
      };
      const result = await work(tx);
      if (begin === null) {
        await client.query('COMMIT');
        this.commits++;
      }
      return result;
    } catch (error) {
      try {
        if (begin === null) await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error; // the connection is gone: do not return it to the pool
      }
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Answers within PING_TIMEOUT_MS: a health probe must not hang while the pool waits to reconnect. */
  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const query = this.pool.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Work on dedicated connections (the change tail, the outbox lease) stops when the engine closes. */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const hook of this.closeHooks.splice(0)) hook();
    await this.pool.end();
  }
}

/**
 * One sentence for why PostgreSQL could not be used at start (no stack, no password): what an
 * operator reads before the relay exits 1.
 */
export function describeConnectError(error: unknown, connectionString: string): string {
  let where = 'the database in DATABASE_URL';
  try {
    const url = new URL(connectionString);
    where = `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    // Validated at config time; keep the generic wording.
  }
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case '28P01':
    case '28000':
      return `${where} refused the user name or password in DATABASE_URL.`;
    case '3D000':
      return `${where} does not exist: create the database first.`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return `${where} cannot be reached (${e.code}); check the host, port and firewall.`;
    default:
      return `${where} could not be used: ${e.message ?? 'unknown error'}.`;
  }
}
