import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEvents } from '../../server/src/demo';
import { createRandom } from '../../server/src/demo/random';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

type AnyEvent = { id: string; type: string; data: { taskId: string; revision: number } };

/**
 * 1,000 demo events including 100 exact duplicates and 50 stale revisions: each task is stored once at
 * its newest revision, and `changes.seq` has no gaps.
 */
describe('ingesting the demo hospital with redeliveries and stale revisions', () => {
  let relay: TestRelay;
  const fresh = generateEvents(4242, 850, new Date('2026-11-26T07:00:00Z')) as unknown as AnyEvent[];
  const random = createRandom(7);
  const duplicates = Array.from({ length: 100 }, () => fresh[Math.floor(random.next() * fresh.length)]!);
  // A stale revision: an older snapshot of a task, re-sent under a new id after the newer one landed.
  const routedFirst = fresh.filter((e) => e.type === 'wardline.task.routed').slice(0, 50);
  const stale = routedFirst.map((e, i) => ({ ...e, id: `stale-${i}`, data: { ...e.data, revision: 0 } }));
  const all = [...fresh, ...duplicates, ...stale];
  const statuses: Record<string, number> = {};

  beforeAll(async () => {
    relay = await startTestRelay();
    const token = await devToken(relay.url, 'integration-engine');
    for (let i = 0; i < all.length; i += 100) {
      const res = await postEvents(relay.url, token, all.slice(i, i + 100));
      expect(res.status).toBe(202);
      for (const r of res.body.results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  });
  afterAll(() => relay.stop());

  it('answers every redelivery as a duplicate and every old revision as stale', () => {
    expect(all).toHaveLength(1_000);
    expect(statuses).toEqual({ applied: 850, duplicate: 100, stale: 50 });
  });

  it('stores each task once, at its newest revision', () => {
    const newest = new Map<string, number>();
    for (const e of fresh)
      newest.set(e.data.taskId, Math.max(newest.get(e.data.taskId) ?? 0, e.data.revision));
    const db = new Database(join(relay.dataDir, 'wardline.db'), { readonly: true });
    const rows = db.prepare('SELECT id, revision FROM tasks').all() as Array<{
      id: string;
      revision: number;
    }>;
    db.close();
    expect(rows).toHaveLength(newest.size);
    for (const row of rows) expect(row.revision, row.id).toBe(newest.get(row.id));
  });

  it('has a gap-free changes log: seq 1..N, one row per applied event', () => {
    const db = new Database(join(relay.dataDir, 'wardline.db'), { readonly: true });
    const seqs = (db.prepare('SELECT seq FROM changes ORDER BY seq').all() as Array<{ seq: number }>).map(
      (r) => r.seq,
    );
    // The demo's critical results are hours overdue against the real clock, so the escalation timer
    // adds its own changes between the events': still one log, still without a gap.
    const fromEvents = db
      .prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM changes WHERE event_id IS NOT NULL')
      .get() as { n: number; d: number };
    const staleRecorded = db.prepare("SELECT COUNT(*) AS n FROM inbox WHERE result = 'stale'").get() as {
      n: number;
    };
    db.close();
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(fromEvents).toEqual({ n: 850, d: 850 });
    expect(staleRecorded.n).toBe(50);
  });
});
