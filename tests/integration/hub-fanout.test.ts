import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

const TENANT = '7e57de00-0000-4000-8000-000000000001';

/**
 * The fan-out's shortcuts must not change what anyone receives (docs/HUB.md H4, H5): connections are
 * indexed by unit and roles (server/src/hub/audience.ts) and each change is framed once and written as
 * the same bytes to every WebSocket (server/src/signalr/transports/ws-frame.ts).
 */
describe('fan-out through the audience index and shared frames', () => {
  let relay: TestRelay;
  let ingest: string;
  const clients: WorklistClient[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    ingest = await devToken(relay.url, 'integration-engine');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await relay.stop();
  });

  it('[H4] a burst of 60 changes reaches each 4W connection once each and in commit order, JSON and MessagePack alike; a 5E nurse gets none', async () => {
    const json = await connectAs(relay.url, 'nurse-okafor', { protocol: 'json' });
    const msgpack = await connectAs(relay.url, 'nurse-okafor', { protocol: 'messagepack' });
    const sse = await connectAs(relay.url, 'nurse-okafor', { transport: 'ServerSentEvents' });
    const fiveE = await connectAs(relay.url, 'nurse-quillon', { protocol: 'messagepack' });
    clients.push(json, msgpack, sse, fiveE);

    const events = Array.from({ length: 60 }, (_, i) => routed(`burst-${i % 6}`, Math.floor(i / 6) + 1));
    expect((await postEvents(relay.url, ingest, events)).status).toBe(202);

    for (const client of [json, msgpack, sse]) {
      const burst = () => client.received.changed.filter((t) => t.id.startsWith('burst-'));
      await eventually(() => burst().length >= 60);
      const seqs = burst().map((t) => t.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(60);
      expect(burst().at(-1)).toMatchObject({ id: 'burst-5', revision: 10 });
    }
    expect(fiveE.received.changed.filter((t) => t.unit === '4W')).toEqual([]);
  });

  it('[H4][H5] after a move in the directory, live changes follow her new unit on the same connection', async () => {
    const admin = await devToken(relay.url, 'admin-demo');
    const mover = await connectAs(relay.url, 'nurse-brightwater');
    const stays4W = await connectAs(relay.url, 'nurse-okafor');
    const stays5E = await connectAs(relay.url, 'nurse-quillon');
    clients.push(mover, stays4W, stays5E);

    const res = await fetch(`${relay.url}/api/staff/${TENANT}/nurse-brightwater`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['5E'] }),
    });
    expect(res.status).toBe(200);

    await postEvents(relay.url, ingest, [
      routed('after-move-4w', 1, { unit: '4W' }),
      routed('after-move-5e', 1, { unit: '5E' }),
    ]);
    await eventually(() => mover.received.changed.some((t) => t.id === 'after-move-5e'));
    // The 4W change was committed first and one connection's messages keep commit order: had it been
    // sent to her, it would be here before the 5E one.
    await eventually(() => stays4W.received.changed.some((t) => t.id === 'after-move-4w'));
    await eventually(() => stays5E.received.changed.some((t) => t.id === 'after-move-5e'));
    expect(mover.received.changed.some((t) => t.id === 'after-move-4w')).toBe(false);

    // A task moving from 4W to 5E: removed on the 4W screen, arriving on hers.
    await postEvents(relay.url, ingest, [routed('after-move-4w', 2, { unit: '5E' })]);
    await eventually(() => stays4W.received.removed.some((r) => r.id === 'after-move-4w'));
    await eventually(() => mover.received.changed.some((t) => t.id === 'after-move-4w' && t.unit === '5E'));
    expect(mover.received.removed.some((r) => r.id === 'after-move-4w')).toBe(false);
  });
});
