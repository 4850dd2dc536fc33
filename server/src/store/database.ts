import type { StoreEngine } from './engine';
import { migrate } from './migrations';
import { describeConnectError, PostgresEngine } from './postgres-engine';
import { openSqlite, SqliteEngine } from './sqlite-engine';

export type { Db } from './sqlite-engine';
export type { StoreEngine } from './engine';
export { loadMigrations, migrate, StoreTooNewError, type Migration } from './migrations';

export interface OpenOptions {
  /** The data folder; the SQLite file is `wardline.db` inside it. `:memory:` for throw-away stores. */
  dataDir: string;
  /** When set, PostgreSQL instead of SQLite (DATABASE_URL). */
  databaseUrl?: string | null;
  /** PostgreSQL pool size (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** A password per new PostgreSQL connection (an Entra access token); otherwise the URL's. */
  password?: () => Promise<string>;
  /** A pooled PostgreSQL connection broke while idle. */
  onIdleError?: (error: Error) => void;
  /** PostgreSQL `application_name` (`wardline-<RELAY_ID>`). */
  applicationName?: string;
}

/** The store could not be opened at start: `message` is the one sentence an operator reads. */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Opens the configured engine and brings its schema up to date: PostgreSQL when `databaseUrl` is set,
 * else the embedded SQLite file in `dataDir`. Throws StoreUnavailableError (PostgreSQL unreachable,
 * refused password) or StoreTooNewError (migrated by a newer relay), each one sentence.
 */
export async function openStore(options: OpenOptions): Promise<StoreEngine> {
  if (!options.databaseUrl) return migrated(new SqliteEngine(openSqlite(options.dataDir)));
  const engine = PostgresEngine.create({
    connectionString: options.databaseUrl,
    ...(options.poolSize ? { max: options.poolSize } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
    ...(options.applicationName ? { applicationName: options.applicationName } : {}),
  });
  try {
    await engine.pool.query('SELECT 1');
  } catch (error) {
    await engine.close();
    throw new StoreUnavailableError(describeConnectError(error, options.databaseUrl));
  }
  return migrated(engine);
}

/** Brings the schema up to date; an engine that cannot be migrated is closed before the error goes on. */
async function migrated<E extends StoreEngine>(engine: E): Promise<E> {
  try {
    await migrate(engine);
  } catch (error) {
    await engine.close();
    throw error;
  }
  return engine;
}

/** The embedded engine, for tests and tools that want a throw-away store: `openSqliteStore(':memory:')`. */
export async function openSqliteStore(dataDir = ':memory:'): Promise<SqliteEngine> {
  return migrated(new SqliteEngine(openSqlite(dataDir)));
}
