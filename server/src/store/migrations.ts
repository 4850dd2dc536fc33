import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineKind, StoreEngine } from './engine';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** `0001_worklist.sql` for both engines; a `0001_worklist.pg.sql` (or `.sqlite.sql`) twin replaces it for one. */
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+?)(?:\.(pg|sqlite))?\.sql$/;
const TWIN_OF: Record<EngineKind, string> = { postgres: 'pg', sqlite: 'sqlite' };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Numbered, forward-only migrations from one folder (docs/STORE.md "Migrations"): the portable file
 * unless the engine has its own twin of that number. Numbering must be 1, 2, 3… without a gap.
 */
export function loadMigrations(engine: EngineKind, dir = MIGRATIONS_DIR): Migration[] {
  const byVersion = new Map<number, Migration & { twin: boolean }>();
  for (const file of readdirSync(dir)) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    const [, number, name = file, dialect] = match;
    if (dialect !== undefined && dialect !== TWIN_OF[engine]) continue;
    const version = Number(number);
    const twin = dialect !== undefined;
    const existing = byVersion.get(version);
    if (existing && existing.twin === twin)
      throw new Error(`Migration numbering has a duplicate at ${version}.`);
    if (existing?.twin) continue;
    byVersion.set(version, { version, name, sql: readFileSync(join(dir, file), 'utf8'), twin });
  }
  const migrations = [...byVersion.values()]
    .sort((a, b) => a.version - b.version)
    .map(({ version, name, sql }) => ({ version, name, sql }));
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration numbering has a gap or a duplicate at ${m.version}.`);
  });
  return migrations;
}

/** The database was migrated by a newer relay: refusing is safer than writing a schema we do not know. */
export class StoreTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly relayVersion: number,
  ) {
    super(
      `The database has schema version ${databaseVersion} but this relay knows only up to ${relayVersion}: run a relay at least as new as the one that migrated it.`,
    );
    this.name = 'StoreTooNewError';
  }
}

/**
 * Brings the schema up to date in one transaction, under a lock, so two relays starting together
 * against one PostgreSQL apply each migration once. Refuses a database newer than this relay.
 */
export async function migrate(engine: StoreEngine, migrations = loadMigrations(engine.kind)): Promise<void> {
  await engine.transaction(async (tx) => {
    await tx.lock('schema_migrations');
    // A migration may rebuild a large table: the 30 s statement bound (CL6) is for the relay's own
    // work, not for this one-off step.
    if (engine.kind === 'postgres') await tx.exec('SET LOCAL statement_timeout = 0');
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      (await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    const newest = Math.max(0, ...applied);
    const known = migrations[migrations.length - 1]?.version ?? 0;
    if (newest > known) throw new StoreTooNewError(newest, known);
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
  });
}
