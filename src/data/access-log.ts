import Dexie, { type Table } from 'dexie';
import type { TokenSource } from './auth/token-source';

/**
 * The device's half of the access audit (docs/SECURITY.md A2–A5): every time the task view shows a
 * task, an open is queued here and sent to `POST /api/audit/access`. Online it leaves at once; opened
 * from the offline copy it waits, marked as replayed, until the relay can be reached. Each open has its
 * own id, so a resend after a lost answer is kept once by the relay: at most once, never lost on a
 * crash (the queue is IndexedDB, written before the send).
 *
 * The queue is device-wide, not the signed-in person's database (which sign-out deletes): an open made
 * offline by the last person is still theirs to report when they sign in again. It holds ids and times
 * only, no patient data.
 */

export interface QueuedOpen {
  id: string;
  tenantId: string;
  staffId: string;
  taskId: string;
  view: 'detail';
  /** When the task was shown (ISO). */
  at: string;
  /** Shown from the device's offline copy, or its first send failed: reported later. */
  replayed: boolean;
}

/** Where queued opens wait; IndexedDB in the browser (`dexieAccessQueue`), memory in tests. */
export interface AccessQueue {
  add(open: QueuedOpen): Promise<void>;
  pendingFor(tenantId: string, staffId: string): Promise<QueuedOpen[]>;
  markReplayed(ids: readonly string[]): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  /** A random id for this device, made once and kept: names the device in the audit. */
  deviceId(): Promise<string>;
}

export interface Person {
  tenantId: string;
  id: string;
}

/** The relay takes at most this many opens per request. */
const OPENS_PER_REQUEST = 500;

export interface AccessRecorderOptions {
  /** The relay's origin; the page's own when empty. */
  baseUrl?: string;
  /** Whether the browser thinks it is online; an open made offline is a replay when it is sent. */
  isOnline?: () => boolean;
  newId?: () => string;
  now?: () => Date;
}

export class AccessRecorder {
  private flushing: Promise<number> | null = null;

  constructor(
    private readonly queue: AccessQueue,
    private readonly options: AccessRecorderOptions = {},
  ) {}

  /** Records that `person` was shown `taskId`, then tries to send what is waiting. */
  async opened(person: Person, taskId: string, tokens: TokenSource): Promise<void> {
    const online = (this.options.isOnline ?? defaultOnline)();
    await this.queue.add({
      id: (this.options.newId ?? (() => crypto.randomUUID()))(),
      tenantId: person.tenantId,
      staffId: person.id,
      taskId,
      view: 'detail',
      at: (this.options.now?.() ?? new Date()).toISOString(),
      replayed: !online,
    });
    if (online) await this.flush(person, tokens);
  }

  /**
   * Sends this person's waiting opens (never another person's: the token says who looked). One flush at
   * a time, so two triggers never send the same open twice at once. Returns how many left the queue.
   */
  flush(person: Person, tokens: TokenSource): Promise<number> {
    this.flushing ??= this.send(person, tokens).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async send(person: Person, tokens: TokenSource): Promise<number> {
    const waiting = await this.queue.pendingFor(person.tenantId, person.id);
    let sent = 0;
    for (let i = 0; i < waiting.length; i += OPENS_PER_REQUEST) {
      const batch = waiting.slice(i, i + OPENS_PER_REQUEST);
      const ids = batch.map((o) => o.id);
      const answer = await this.post(batch, tokens);
      if (answer === 'stored' || answer === 'refused') {
        // Refused means malformed (a 400): sending it again would be refused again, forever.
        await this.queue.remove(ids);
        sent += batch.length;
        continue;
      }
      // Not reached, or not signed in: whatever is sent later is a replay of an earlier view.
      await this.queue.markReplayed(ids.filter((_, k) => !batch[k]!.replayed));
      break;
    }
    return sent;
  }

  private async post(batch: QueuedOpen[], tokens: TokenSource): Promise<'stored' | 'refused' | 'later'> {
    try {
      const res = await fetch(`${this.options.baseUrl ?? ''}/api/audit/access`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await tokens.getAccessToken()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          device: await this.queue.deviceId(),
          opens: batch.map(({ id, taskId, view, at, replayed }) => ({ id, taskId, view, at, replayed })),
        }),
      });
      if (res.ok) return 'stored';
      return res.status === 400 ? 'refused' : 'later';
    } catch {
      return 'later';
    }
  }
}

function defaultOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

class AccessLogDb extends Dexie {
  opens!: Table<QueuedOpen, string>;
  meta!: Table<{ key: 'deviceId'; value: string }, string>;

  constructor() {
    super('wardline-access-log');
    // Numbered schema versions (STYLE #11); add a new version, never edit an old one.
    this.version(1).stores({ opens: 'id, [tenantId+staffId]', meta: 'key' });
  }
}

/** The browser's queue: its own IndexedDB database, which sign-out leaves in place. */
export function dexieAccessQueue(): AccessQueue {
  const db = new AccessLogDb();
  return {
    add: async (open) => {
      await db.opens.put(open);
    },
    pendingFor: (tenantId, staffId) =>
      db.opens.where('[tenantId+staffId]').equals([tenantId, staffId]).sortBy('at'),
    markReplayed: async (ids) => {
      await db.opens
        .where('id')
        .anyOf([...ids])
        .modify({ replayed: true });
    },
    remove: async (ids) => {
      await db.opens.bulkDelete([...ids]);
    },
    deviceId: () =>
      db.transaction('rw', db.meta, async () => {
        const found = await db.meta.get('deviceId');
        if (found) return found.value;
        const value = `device-${crypto.randomUUID()}`;
        await db.meta.put({ key: 'deviceId', value });
        return value;
      }),
  };
}
