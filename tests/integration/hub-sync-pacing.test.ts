import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Task } from '../../src/domain';
import { createSyncPacer } from '../../server/src/hub/sync';
import { routed } from '../helpers/events';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { testDatabase, type TestDatabase } from '../helpers/postgres';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/** Demo staff on every unit and role, so the catch-ups see different slices of the same changes. */
const PEOPLE = [
  'nurse-okafor',
  'nurse-quillon',
  'nurse-vellacourt',
  'charge-4w-marchbank',
  'charge-5e-fennimore',
  'charge-icu-penhallow',
  'coordinator-sorrel',
  'supervisor-achterberg',
];
const UNITS = ['4W', '5E', 'ICU'];
const CLIENTS = 40;

const view = (tasks: Iterable<Task>) =>
  [...tasks]
    .map((t) => `${t.id}:${t.seq}`)
    .sort()
    .join('|');

// On PostgreSQL, where a page read waits on the database and many can be in flight at once (the
// cluster's case). SQLite's reads are synchronous: a page is read whole before the next message is even
// parsed, so there pages never overlap and never queue.
describe('[H11] catch-up syncs take turns on a relay', () => {
  // One page read at a time: the strictest pacing, so every client but one waits its turn.
  const pacer = createSyncPacer(1);
  let db: TestDatabase;
  let relay: TestRelay;
  let ingest: string;
  const clients: WorklistClient[] = [];

  beforeAll(async () => {
    db = await testDatabase(inject('postgresUrl'));
    relay = await startTestRelay(
      {
        DATABASE_URL: db.url,
        HUB_MAX_CONNECTIONS_PER_PERSON: '1000',
        HUB_MAX_OPENING_PER_PERSON: '1000',
        HUB_PERSON_CALLS_PER_SECOND: '10000',
        HUB_PERSON_CALL_BURST: '10000',
      },
      { syncPacer: pacer },
    );
    ingest = await devToken(relay.url, 'integration-engine');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await relay.stop();
    await db.drop();
  });

  const post = async (events: unknown[]) => {
    for (let i = 0; i < events.length; i += 200)
      expect((await postEvents(relay.url, ingest, events.slice(i, i + 200))).status).toBe(202);
  };

  it('[H11][H8] many clients catching up at once all end with exactly the relay state, and live pushes reach others meanwhile', async () => {
    await post(Array.from({ length: 150 }, (_, i) => routed(`before-${i}`, 1, { unit: UNITS[i % 3] })));
    // Each client holds what its first sync gave it and the cursor of that sync, as the PWA does.
    const held = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const staffId = PEOPLE[i % PEOPLE.length]!;
        const client = await connectAs(relay.url, staffId);
        clients.push(client);
        const first = await client.syncAll(0);
        return { staffId, client, ...first };
      }),
    );
    // While they are away (their pushes are not used): new work on every unit, and earlier work moved
    // between units, so the catch-ups must list new tasks and report the ones that left each view.
    await post([
      ...Array.from({ length: 450 }, (_, i) => routed(`during-${i}`, 1, { unit: UNITS[i % 3] })),
      ...Array.from({ length: 75 }, (_, i) => routed(`before-${i}`, 2, { unit: UNITS[(i + 1) % 3] })),
    ]);

    const watcher = await connectAs(relay.url, 'charge-4w-marchbank');
    clients.push(watcher);
    let stormOver = 0;
    const storm = Promise.all(
      held.map(async (h) => {
        const caught = await h.client.syncAll(h.cursor);
        for (const task of caught.tasks.values()) h.tasks.set(task.id, task);
        for (const id of caught.removed) if (!caught.tasks.has(id)) h.tasks.delete(id);
        return caught.cursor;
      }),
    ).finally(() => (stormOver = Date.now()));
    await eventually(() => pacer.waiting > 0, 30_000);
    await post(Array.from({ length: 5 }, (_, i) => routed(`live-${i}`, 1, { unit: '4W' })));
    const liveAt = await eventually(
      () => watcher.received.changed.filter((t) => t.id.startsWith('live-')).length === 5 && Date.now(),
      60_000,
    );
    const cursors = await storm;

    // The queue was used, and the live changes did not wait behind it.
    expect(pacer.mostWaiting).toBeGreaterThan(CLIENTS / 2);
    expect(liveAt).toBeLessThan(stormOver);
    // Nothing skipped: each client's copy equals a fresh snapshot of the relay for that person.
    const last = await relay.relay.store.lastSeq();
    for (const [i, h] of held.entries()) {
      expect(cursors[i]).toBeGreaterThanOrEqual(last - 5);
      const snapshot = await h.client.syncAll(0);
      const liveIds = [...snapshot.tasks.values()].filter((t) => !t.id.startsWith('live-'));
      expect(view([...h.tasks.values()].filter((t) => !t.id.startsWith('live-'))), h.staffId).toBe(
        view(liveIds),
      );
    }
  }, 240_000);
});
