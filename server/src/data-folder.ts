import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data folder holds the worklist (patient names, MRNs, results), the push keys and, in
 * development, the token-signing key: nobody but the relay's own account should read it
 * (docs/SECURITY.md D1–D2). Folder 0700, files 0600.
 */
const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;
/** Group and other bits: any of them set is wider than the relay's account alone. */
const OTHERS = 0o077;

/** SQLite gives a database's WAL and shared-memory files the database file's own permissions. */
const DATABASE_FILES = ['wardline.db', 'wardline.db-wal', 'wardline.db-shm'];

/**
 * Before the store opens: creates the folder 0700 when missing; an existing folder, or files in it,
 * open to others are named in one sentence (returned, for the start-up log), not changed — an
 * operator may share it on purpose, and the relay should not silently undo that.
 */
export function prepareDataFolder(dataDir: string): { created: boolean; tooWide: string | null } {
  if (dataDir === ':memory:') return { created: false, tooWide: null };
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: FOLDER_MODE });
    chmodSync(dataDir, FOLDER_MODE);
    return { created: true, tooWide: null };
  }
  const wide: string[] = [];
  const folderMode = statSync(dataDir).mode & 0o777;
  if (folderMode & OTHERS) wide.push(`the folder is ${octal(folderMode)}`);
  for (const name of readdirSync(dataDir)) {
    const stat = statSync(join(dataDir, name));
    if (stat.isFile() && stat.mode & OTHERS) wide.push(`${name} is ${octal(stat.mode & 0o777)}`);
  }
  if (wide.length === 0) return { created: false, tooWide: null };
  return {
    created: false,
    tooWide: `The data folder ${dataDir} holds patient data but others may read it (${wide.join(', ')}): run chmod 700 on the folder and chmod 600 on its files.`,
  };
}

/** After the store opened: database files this relay just created are made 0600. */
export function tightenNewDatabaseFiles(dataDir: string, existedBefore: ReadonlySet<string>): void {
  if (dataDir === ':memory:') return;
  for (const name of DATABASE_FILES) {
    const path = join(dataDir, name);
    if (!existedBefore.has(name) && existsSync(path)) chmodSync(path, FILE_MODE);
  }
}

/** The database files present now, so the caller can tell which the store created. */
export function existingDatabaseFiles(dataDir: string): Set<string> {
  if (dataDir === ':memory:') return new Set();
  return new Set(DATABASE_FILES.filter((name) => existsSync(join(dataDir, name))));
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
