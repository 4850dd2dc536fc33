/**
 * The two engines the store contract runs on, opened the same way for tests (tests/integration/
 * store-contract.test.ts): a SQLite file in a temp folder, or a fresh PostgreSQL database on the
 * integration project's server. `another()` is a second writer: on PostgreSQL its own pool, as another
 * relay would have; on SQLite the same engine — SQLite is one writing connection per process (a second
 * connection in the same process would block the event loop in SQLite's busy wait, holding up the very
 * transaction it waits for).
 */
import { inject } from 'vitest';
import type { StoreEngine } from '../../server/src/store/engine';
import { openStore } from '../../server/src/store/database';
import { testDatabase } from './postgres';
import { tempDir } from './relay';
import { existingDatabaseFiles, tightenNewDatabaseFiles } from '../../server/src/data-folder';

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: readonly EngineName[] = ['sqlite', 'postgres'];

export interface OpenedEngine {
  engine: StoreEngine;
  another(options?: { poolSize?: number }): Promise<StoreEngine>;
  /** For child relays: the environment that points a relay at this same store. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function openEngine(name: EngineName): Promise<OpenedEngine> {
  const opened: StoreEngine[] = [];
  const track = async (engine: Promise<StoreEngine>) => {
    const e = await engine;
    opened.push(e);
    return e;
  };
  if (name === 'sqlite') {
    const dir = tempDir('wardline-contract-');
    // Made as a relay makes its own (0600 files), so a relay started on it later has nothing to warn about.
    const before = existingDatabaseFiles(dir.path);
    const engine = await track(openStore({ dataDir: dir.path }));
    tightenNewDatabaseFiles(dir.path, before);
    return {
      engine,
      another: () => Promise.resolve(engine),
      env: { DATA_DIR: dir.path },
      async close() {
        await engine.close();
        dir.remove();
      },
    };
  }
  const database = await testDatabase(inject('postgresUrl'));
  const open = (poolSize = 4) =>
    track(openStore({ dataDir: ':unused:', databaseUrl: database.url, poolSize }));
  return {
    engine: await open(),
    another: (options) => open(options?.poolSize),
    env: { DATABASE_URL: database.url },
    async close() {
      for (const e of opened) await e.close();
      await database.drop();
    },
  };
}
