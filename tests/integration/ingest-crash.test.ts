import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { devToken, postEvents, spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';
import { ENGINES, openEngine, type OpenedEngine } from '../helpers/store-engines';

const TOTAL_EVENTS = 5_000;
const BATCH = 50;
/** Kill after this many answered batches: well inside the run, with a request in flight. */
const KILL_AFTER_BATCHES = 40;

/**
 * Nothing is lost: every event answered 202 before a SIGKILL is in the store after a restart, and
 * re-sending everything stores nothing twice.
 */
describe.each(ENGINES)(
  '[ST2] the relay on %s is SIGKILLed in the middle of a 5,000-event ingest',
  (engine) => {
    const data = tempDir();
    const children: ChildRelay[] = [];
    let store: OpenedEngine;
    let env: Record<string, string>;
    beforeAll(async () => {
      store = await openEngine(engine);
      // The data folder keeps the development signing key; the store is SQLite in it, or PostgreSQL.
      env = { DATA_DIR: data.path, ...store.env };
    });
    afterAll(async () => {
      for (const child of children) child.process.kill('SIGKILL');
      await store.close();
      data.remove();
    });

    const events = Array.from({ length: TOTAL_EVENTS }, (_, i) =>
      routed(`crash-${i}`, 1, { unit: ['4W', '5E', 'ICU'][i % 3] }, `crash-evt-${i}`),
    );

    // Two 5,000-event passes through child relays: generous on a loaded machine (not a speed bound).
    it('keeps every acknowledged event, exactly once', { timeout: 240_000 }, async () => {
      const first = await spawnRelay(env);
      children.push(first);
      const token = await devToken(first.url, 'integration-engine');

      const acknowledged: string[] = [];
      let sent = 0;
      let killed = false;
      for (let b = 0; b * BATCH < TOTAL_EVENTS; b++) {
        const batch = events.slice(b * BATCH, (b + 1) * BATCH);
        const request = postEvents(first.url, token, batch);
        sent += batch.length;
        if (b === KILL_AFTER_BATCHES) {
          // Kill while this batch is being applied: some of it may commit, none of it was acknowledged.
          await new Promise((r) => setTimeout(r, 5));
          first.process.kill('SIGKILL');
          killed = true;
          await request.catch(() => undefined);
          break;
        }
        const res = await request;
        expect(res.status).toBe(202);
        acknowledged.push(...batch.map((e) => e.id));
      }
      expect(killed).toBe(true);
      expect(await first.exited).toBe('SIGKILL');
      expect(acknowledged.length).toBe(KILL_AFTER_BATCHES * BATCH);
      expect(sent).toBeLessThan(TOTAL_EVENTS);

      // Restart on the same data folder and send everything, as an upstream that never got its answers would.
      const second = await spawnRelay(env);
      children.push(second);
      const token2 = await devToken(second.url, 'integration-engine');
      let applied = 0;
      let duplicate = 0;
      for (let b = 0; b * BATCH < TOTAL_EVENTS; b++) {
        const res = await postEvents(second.url, token2, events.slice(b * BATCH, (b + 1) * BATCH));
        expect(res.status).toBe(202);
        for (const r of res.body.results) {
          if (r.status === 'applied') applied++;
          if (r.status === 'duplicate') duplicate++;
        }
      }
      second.process.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const db = store.engine;
      const inbox = new Set(
        (await db.all<{ event_id: string }>('SELECT event_id FROM inbox')).map((r) => r.event_id),
      );
      for (const id of acknowledged) expect(inbox.has(id)).toBe(true);
      // Everything acknowledged before the kill was a duplicate on re-send; nothing was applied twice.
      expect(duplicate).toBeGreaterThanOrEqual(acknowledged.length);
      expect(applied + duplicate).toBe(TOTAL_EVENTS);
      const counts = await db.get<Record<string, number>>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS distinct_events, MIN(seq) AS lo, MAX(seq) AS hi,
         (SELECT COUNT(*) FROM tasks) AS tasks FROM changes`,
      );
      // 0 lost, 0 doubled, seq contiguous from 1.
      expect(counts).toEqual({
        n: TOTAL_EVENTS,
        distinct_events: TOTAL_EVENTS,
        lo: 1,
        hi: TOTAL_EVENTS,
        tasks: TOTAL_EVENTS,
      });
    });
  },
);
