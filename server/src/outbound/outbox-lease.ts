import type pg from 'pg';
import type { Logger } from '../log';
import { lockId, type PostgresEngine } from '../store/postgres-engine';

/**
 * Who may publish the outbox among several relays on one PostgreSQL (docs/STORE.md CL8): one at a
 * time, so rows leave in outbox order. The holder keeps a session-level advisory lock on a connection
 * of its own; when the holder dies its session ends and the server releases the lock; the others try
 * for it every second, so one of them publishes within seconds. A resend of rows the dead holder sent
 * but had not marked carries the same messageId (the CloudEvent id stored in the row): Service Bus
 * duplicate detection drops it.
 */
export interface OutboxLease {
  held(): boolean;
  /** Resolves once this relay holds the lease (or the lease is closed). */
  whenHeld(): Promise<void>;
  close(): void;
}

const TRY_EVERY_MS = 1_000;
const LOCK = lockId('wardline:outbox-publisher');

export function startOutboxLease(engine: PostgresEngine, logger: Logger): OutboxLease {
  let client: pg.Client | null = null;
  let holding = false;
  let closed = false;
  let waiters: Array<() => void> = [];
  let timer: NodeJS.Timeout | null = null;

  const release = () => {
    for (const resolve of waiters.splice(0)) resolve();
  };

  function lost(which: pg.Client, error?: Error): void {
    if (client !== which) return;
    client = null;
    if (holding) logger.warn({ err: error?.message ?? 'connection ended' }, 'outbox lease lost');
    holding = false;
    void which.end().catch(() => undefined);
  }

  async function attempt(): Promise<void> {
    timer = null;
    if (closed) return;
    try {
      if (!client) {
        const fresh = await engine.dedicatedClient();
        if (closed) {
          await fresh.end();
          return;
        }
        fresh.on('error', (error) => lost(fresh, error));
        fresh.on('end', () => lost(fresh));
        client = fresh;
      }
      if (!holding) {
        const result = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${LOCK}) AS got`);
        if (result.rows[0]?.got) {
          holding = true;
          logger.info('outbox lease taken: this relay publishes the outbox');
          release();
        }
      } else {
        // Still connected? A broken session has already released the lock on the server.
        await client.query('SELECT 1');
      }
    } catch (error) {
      if (client) lost(client, error as Error);
    }
    if (!closed) {
      timer = setTimeout(() => void attempt(), TRY_EVERY_MS);
      timer.unref();
    }
  }

  void attempt();
  engine.onClose(() => lease.close());

  const lease: OutboxLease = {
    held: () => holding && !closed,
    whenHeld: () =>
      holding || closed ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    close() {
      if (closed) return;
      closed = true;
      holding = false;
      if (timer) clearTimeout(timer);
      release();
      waiters = [];
      const open = client;
      client = null;
      // Ending the session releases the lock at once: the next relay need not wait for a timeout.
      void open?.end().catch(() => undefined);
    },
  };
  return lease;
}
