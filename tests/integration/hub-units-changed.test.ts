import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

const TENANT = '7e57de00-0000-4000-8000-000000000001';

/** The units one connection heard, each with how many task pushes had arrived before it. */
interface UnitsHeard {
  units: unknown;
  afterPushes: number;
}

/**
 * The official client awaits between the handlers of one message, so only each event's first handler
 * runs in arrival order: count the helper's own records (registered first) when the units arrive.
 */
function listen(client: WorklistClient): UnitsHeard[] {
  const heard: UnitsHeard[] = [];
  client.connection.on('unitsChanged', (units: unknown) =>
    heard.push({ units, afterPushes: client.received.changed.length + client.received.removed.length }),
  );
  return heard;
}

/**
 * docs/HUB.md H5: a nurse's open page filters by her units, so when an admin moves her the relay tells
 * her connections the new units before it pushes the work that entered her view.
 */
describe('[H5] unitsChanged on a move in the staff directory', () => {
  let relay: TestRelay;
  const clients: WorklistClient[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    const ingest = await devToken(relay.url, 'integration-engine');
    const { status } = await postEvents(relay.url, ingest, [
      routed('uc-4w', 1, { unit: '4W' }),
      routed('uc-5e-1', 1, {
        unit: '5E',
        patient: { ref: 'Patient/uc-1', name: 'Unit One', mrn: 'UC-1', bed: '5E-01' },
      }),
      routed('uc-5e-2', 1, {
        unit: '5E',
        patient: { ref: 'Patient/uc-2', name: 'Unit Two', mrn: 'UC-2', bed: '5E-02' },
      }),
    ]);
    expect(status).toBe(202);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await relay.stop();
  });

  it("[H5] the moved nurse's connections hear her new units before the 5E work arrives; a colleague's connections hear nothing", async () => {
    const moverPhone = await connectAs(relay.url, 'nurse-okafor');
    const moverDesk = await connectAs(relay.url, 'nurse-okafor', { protocol: 'messagepack' });
    const colleague4W = await connectAs(relay.url, 'nurse-brightwater');
    const colleague5E = await connectAs(relay.url, 'nurse-quillon');
    clients.push(moverPhone, moverDesk, colleague4W, colleague5E);
    const [phone, desk, fourW, fiveE] = [moverPhone, moverDesk, colleague4W, colleague5E].map(listen);

    const admin = await devToken(relay.url, 'admin-demo');
    const res = await fetch(`${relay.url}/api/staff/${TENANT}/nurse-okafor`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['5E'] }),
    });
    expect(res.status).toBe(200);

    for (const [client, heard] of [
      [moverPhone, phone],
      [moverDesk, desk],
    ] as const) {
      await eventually(() => client.received.changed.length >= 2);
      // Units first, then the move's pushes; once.
      expect(heard).toEqual([{ units: ['5E'], afterPushes: 0 }]);
      expect(client.received.changed.map((t) => t.id).sort()).toEqual(['uc-5e-1', 'uc-5e-2']);
      expect(client.received.removed.map((r) => r.id)).toEqual(['uc-4w']);
    }

    // A later change proves the colleagues' links were live all along: had the move been sent to them,
    // it would have arrived before this (one connection keeps the relay's order).
    const ingest = await devToken(relay.url, 'integration-engine');
    await postEvents(relay.url, ingest, [
      routed('uc-after', 1, { unit: '4W' }),
      routed('uc-after-5e', 1, { unit: '5E' }),
    ]);
    await eventually(() => colleague4W.received.changed.some((t) => t.id === 'uc-after'));
    await eventually(() => colleague5E.received.changed.some((t) => t.id === 'uc-after-5e'));
    for (const colleague of [colleague4W, colleague5E]) expect(colleague.received.removed).toEqual([]);
    expect(colleague4W.received.changed.map((t) => t.id)).toEqual(['uc-after']);
    expect(colleague5E.received.changed.map((t) => t.id)).toEqual(['uc-after-5e']);
    expect(fourW).toEqual([]);
    expect(fiveE).toEqual([]);
  });
});
