/**
 * The PostgreSQL half of `npm run bench:ingest -- --engine postgres`: the whole ingest path against raw
 * inserts of the very same rows with the same durability (one transaction per event,
 * `synchronous_commit = on`), and the per-stream commit ceiling the counter row imposes (docs/STORE.md
 * ST1): writers that do nothing but take the next seq and commit, so each waits for the previous commit.
 */
import pg from 'pg';
import type { Logger } from '../server/src/log';
import { ingestOne } from '../server/src/ingest/ingest';
import { openStore } from '../server/src/store/database';
import { SqlWorklistStore } from '../server/src/store/worklist-store';
import { startTestPostgres, testDatabase } from '../tests/helpers/postgres';

export interface PgRun {
  latenciesMs: number[];
  totalMs: number;
}

export interface PostgresBench {
  path(events: readonly unknown[], logger: Logger): Promise<PgRun & { rows: Array<Record<string, unknown>> }>;
  raw(rows: Array<Record<string, unknown>>): Promise<PgRun>;
  ceiling(writers: number, ms: number): Promise<number>;
  close(): Promise<void>;
}

/** `DATABASE_URL` (a superuser URL) or a throwaway server like the tests'. */
export async function postgresBench(): Promise<PostgresBench> {
  const server = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, stop: async () => undefined }
    : await startTestPostgres();
  const made: Array<{ drop(): Promise<void> }> = [];
  const fresh = async () => {
    const db = await testDatabase(server.url);
    made.push(db);
    return db.url;
  };
  return {
    async path(events, logger) {
      const engine = await openStore({ dataDir: ':unused:', databaseUrl: await fresh(), poolSize: 2 });
      const store = await SqlWorklistStore.open(engine);
      const latenciesMs: number[] = [];
      const start = performance.now();
      for (const event of events) {
        const t0 = performance.now();
        await ingestOne(store, event, logger);
        latenciesMs.push(performance.now() - t0);
      }
      const totalMs = performance.now() - start;
      const rows = await engine.all<Record<string, unknown>>(
        `SELECT c.*, i.type AS inbox_type, i.result AS inbox_result, i.received_at AS inbox_received_at
         FROM changes c LEFT JOIN inbox i ON i.event_id = c.event_id ORDER BY c.seq`,
      );
      await engine.close();
      return { latenciesMs, totalMs, rows };
    },
    async raw(rows) {
      const url = await fresh();
      // The same schema, so the same indexes are maintained.
      const engine = await openStore({ dataDir: ':unused:', databaseUrl: url, poolSize: 1 });
      await engine.close();
      const client = new pg.Client({ connectionString: url, options: '-c synchronous_commit=on' });
      await client.connect();
      const latenciesMs: number[] = [];
      const start = performance.now();
      for (const c of rows) {
        const t0 = performance.now();
        const task = JSON.parse(c.task as string) as { kind: string; status: string; revision: number };
        await client.query('BEGIN');
        await client.query({
          name: 'raw-task',
          text: `INSERT INTO tasks (id, unit, kind, status, owner_id, revision, version, seq, next_escalation_at, body)
                 VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, NULL, $8)
                 ON CONFLICT (id) DO UPDATE SET unit = excluded.unit, kind = excluded.kind, status = excluded.status,
                   revision = excluded.revision, version = excluded.version, seq = excluded.seq, body = excluded.body`,
          values: [c.task_id, c.unit, task.kind, task.status, task.revision, c.version_after, c.seq, c.task],
        });
        await client.query({
          name: 'raw-change',
          text: `INSERT INTO changes (seq, task_id, unit, change, actor_id, actor_name, command_id, event_id, version_before, version_after, at, detail, task)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          values: [
            c.seq,
            c.task_id,
            c.unit,
            c.change,
            c.actor_id,
            c.actor_name,
            c.command_id,
            c.event_id,
            c.version_before,
            c.version_after,
            c.at,
            c.detail,
            c.task,
          ],
        });
        if (c.inbox_type)
          await client.query({
            name: 'raw-inbox',
            text: 'INSERT INTO inbox (event_id, task_id, type, result, reason, received_at) VALUES ($1, $2, $3, $4, NULL, $5)',
            values: [c.event_id, c.task_id, c.inbox_type, c.inbox_result, c.inbox_received_at],
          });
        await client.query('COMMIT');
        latenciesMs.push(performance.now() - t0);
      }
      const totalMs = performance.now() - start;
      await client.end();
      return { latenciesMs, totalMs };
    },
    async ceiling(writers, ms) {
      const url = await fresh();
      const engine = await openStore({ dataDir: ':unused:', databaseUrl: url, poolSize: writers });
      let commits = 0;
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: writers }, async () => {
          while (performance.now() < end) {
            await engine.transaction(async (tx) => void (await tx.takeSeq()));
            commits++;
          }
        }),
      );
      await engine.close();
      return (commits / ms) * 1000;
    },
    async close() {
      for (const db of made) await db.drop();
      await server.stop();
    },
  };
}
