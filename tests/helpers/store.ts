import { openSqliteStore } from '../../server/src/store/database';
import { SqlWorklistStore, type WorklistStoreOptions } from '../../server/src/store/worklist-store';

/** A worklist store over a fresh in-memory SQLite database, for unit tests of what sits on the store. */
export async function memoryStore(options: WorklistStoreOptions = {}): Promise<SqlWorklistStore> {
  return SqlWorklistStore.open(await openSqliteStore(':memory:'), options);
}
