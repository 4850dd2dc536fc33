import Dexie, { type DexieOptions, type Table } from 'dexie';
import type { Task } from '../domain';

export interface MetaRow {
  key: 'cursor' | 'lastSyncedAt';
  value: number | string;
}

/**
 * The worklist on this device: one IndexedDB database per signed-in user (`wardline-<tenant>-<id>`),
 * deleted at sign-out, so the next person on a shared tablet never sees the last one's patients.
 * Patient data lives here and nowhere else on the device (never Cache Storage, never localStorage).
 */
export class WorklistDb extends Dexie {
  tasks!: Table<Task, string>;
  meta!: Table<MetaRow, string>;

  constructor(name: string, options?: DexieOptions) {
    super(name, options);
    // Numbered schema versions (STYLE #11); add a new version, never edit an old one.
    this.version(1).stores({
      tasks: 'id, seq, unit, status, kind, [unit+status]',
      meta: 'key',
    });
    // Only `seq` is queried (the full snapshot's stale check); the app reads the whole worklist and
    // selects in memory. Every index is one more IndexedDB write per task: four of them made a fresh
    // device's 5,000-task sync write ~5 records per task for nothing.
    this.version(2).stores({
      tasks: 'id, seq',
    });
  }
}

export function databaseName(tenantId: string, userId: string): string {
  return `wardline-${tenantId}-${userId}`;
}

export async function readCursor(db: WorklistDb): Promise<number> {
  const row = await db.meta.get('cursor');
  return typeof row?.value === 'number' ? row.value : 0;
}

/**
 * Deletes this user's worklist from the device (sign-out on a shared tablet). Open connections to it
 * are closed first by Dexie, so the deletion is not blocked by the app's own handle.
 */
export async function deleteWorklistDb(tenantId: string, userId: string): Promise<void> {
  await Dexie.delete(databaseName(tenantId, userId));
}
