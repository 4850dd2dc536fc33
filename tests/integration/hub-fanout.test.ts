import { describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs, eventually } from '../helpers/hub-client';
import { relayForBlock, TENANT } from '../helpers/hub-relay';
import { devToken, postEvents } from '../helpers/relay';

/**
 * The fan-out's shortcuts must not change what anyone receives (docs/HUB.md H4, H5): connections are
 * indexed by unit and roles (server/src/hub/audience.ts) and each change is framed once and written as
 * the same bytes to every WebSocket (server/src/signalr/transports/ws-frame.ts).
 */
describe('fan-out through the audience index and shared frames', () => {
  const hub = relayForBlock();

  it('[H4] a burst of 60 changes reaches each 4W connection once each and in commit order, JSON and MessagePack alike; a 5E nurse gets none', async () => {
    const json = await connectAs(hub.relay.url, 'nurse-okafor', { protocol: 'json' });
    const msgpack = await connectAs(hub.relay.url, 'nurse-okafor', { protocol: 'messagepack' });
    const sse = await connectAs(hub.relay.url, 'nurse-okafor', { transport: 'ServerSentEvents' });
    const fiveE = await connectAs(hub.relay.url, 'nurse-quillon', { protocol: 'messagepack' });
    hub.clients.push(json, msgpack, sse, fiveE);

    const events = Array.from({ length: 60 }, (_, i) => routed(`burst-${i % 6}`, Math.floor(i / 6) + 1));
    expect((await postEvents(hub.relay.url, hub.ingest, events)).status).toBe(202);

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
    const admin = await devToken(hub.relay.url, 'admin-demo');
    const mover = await connectAs(hub.relay.url, 'nurse-brightwater');
    const stays4W = await connectAs(hub.relay.url, 'nurse-okafor');
    const stays5E = await connectAs(hub.relay.url, 'nurse-quillon');
    hub.clients.push(mover, stays4W, stays5E);

    const res = await fetch(`${hub.relay.url}/api/staff/${TENANT}/nurse-brightwater`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['5E'] }),
    });
    expect(res.status).toBe(200);

    await postEvents(hub.relay.url, hub.ingest, [
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
    await postEvents(hub.relay.url, hub.ingest, [routed('after-move-4w', 2, { unit: '5E' })]);
    await eventually(() => stays4W.received.removed.some((r) => r.id === 'after-move-4w'));
    await eventually(() => mover.received.changed.some((t) => t.id === 'after-move-4w' && t.unit === '5E'));
    expect(mover.received.removed.some((r) => r.id === 'after-move-4w')).toBe(false);
  });
});
