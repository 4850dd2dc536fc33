import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Task } from '../../src/domain';
import type { Device } from './browser';

/**
 * Helpers for the offline end-to-end tests (docs/SYNC.md): cutting a device's network with the browser
 * context's offline switch, reading what the device holds in IndexedDB, and reading what the relay
 * recorded in its SQLite file.
 */

/** Cuts the device's network and waits until the app says so. */
export async function goOffline(device: Device): Promise<void> {
  await device.context.setOffline(true);
  await device.page.locator('.link-offline').waitFor({ timeout: 10_000 });
}

/** Gives the device its network back and waits until it is live and its outbox is empty. */
export async function goOnlineAndDrain(device: Device, timeout = 60_000): Promise<void> {
  await device.context.setOffline(false);
  await device.page.locator('.link-live').waitFor({ timeout });
  await waitForEmptyOutbox(device.page, timeout);
}

export async function waitForEmptyOutbox(page: Page, timeout = 60_000): Promise<void> {
  await page.locator('.link-unsent').waitFor({ state: 'detached', timeout });
}

/** Moves the app to a path the way a link does (no page load: works offline without a service worker). */
export async function navigateInApp(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    history.pushState({}, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

export interface DeviceOutboxRow {
  order: number;
  command: { commandId: string; taskId: string; type: string; payload?: unknown; issuedAt: string };
  baseSeq: number | null;
  attempts: number;
}

export interface DeviceAttentionRow {
  id: string;
  taskId: string;
  type: string;
  code: string;
  message: string;
  task: Task | null;
}

/** Every row of one store of the signed-in person's database, read with the raw IndexedDB API. */
export function readStore<T>(page: Page, store: 'tasks' | 'outbox' | 'attention' | 'meta'): Promise<T[]> {
  return page.evaluate(async (name) => {
    const dbs = await indexedDB.databases();
    const dbName = dbs.map((d) => d.name ?? '').find((n) => n.startsWith('wardline-'));
    if (!dbName) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(dbName);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      if (!db.objectStoreNames.contains(name)) return [];
      return await new Promise<T[]>((resolve, reject) => {
        const request = db.transaction(name, 'readonly').objectStore(name).getAll();
        request.onsuccess = () => resolve(request.result as T[]);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  }, store);
}

/** Puts rows back into the device's outbox as if their answers had been lost (a duplicate send). */
export function reinsertIntoOutbox(page: Page, rows: readonly DeviceOutboxRow[]): Promise<void> {
  const again = rows.map(({ order: _order, ...rest }) => ({ ...rest, attempts: 0, lastError: null }));
  return writeStore(page, 'outbox', again);
}

/**
 * Writes rows into one store of the signed-in person's database with the raw IndexedDB API, past the
 * app's own checks: `add` for new rows (the outbox's keys are generated), `put` to overwrite by key.
 */
export function writeStore(
  page: Page,
  store: 'tasks' | 'outbox',
  rows: readonly unknown[],
  how: 'add' | 'put' = 'add',
): Promise<void> {
  return page.evaluate(
    async ({ name, rows, how }) => {
      const dbs = await indexedDB.databases();
      const dbName = dbs.map((d) => d.name ?? '').find((n) => n.startsWith('wardline-'));
      if (!dbName) throw new Error('no device database');
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      try {
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction(name, 'readwrite');
          for (const row of rows) tx.objectStore(name)[how](row);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
      } finally {
        db.close();
      }
    },
    { name: store, rows, how },
  );
}

export interface RelayChange {
  seq: number;
  taskId: string;
  change: string;
  actorId: string;
  commandId: string | null;
  detail: string | null;
}

export interface RelayCommand {
  commandId: string;
  actorId: string;
  taskId: string;
  type: string;
  status: string;
}

/** What the relay recorded, read from its SQLite file (read-only, beside the running relay). */
export function readRelay(dataDir: string): { changes: RelayChange[]; commands: RelayCommand[] } {
  const db = new Database(join(dataDir, 'wardline.db'), { readonly: true, fileMustExist: true });
  try {
    const changes = db
      .prepare(
        `SELECT seq, task_id AS taskId, change, actor_id AS actorId, command_id AS commandId, detail
         FROM changes ORDER BY seq`,
      )
      .all() as RelayChange[];
    const commands = (
      db
        .prepare(
          'SELECT command_id AS commandId, actor_id AS actorId, task_id AS taskId, type, result FROM commands',
        )
        .all() as Array<Omit<RelayCommand, 'status'> & { result: string }>
    ).map(({ result, ...rest }) => ({ ...rest, status: (JSON.parse(result) as { status: string }).status }));
    return { changes, commands };
  } finally {
    db.close();
  }
}
