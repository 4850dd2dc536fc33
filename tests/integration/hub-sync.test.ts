import { describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs, eventually } from '../helpers/hub-client';
import { relayForBlock, TENANT } from '../helpers/hub-relay';
import { devToken, postEvents } from '../helpers/relay';

describe('sync and the live view', () => {
  const hub = relayForBlock();

  it('[H1] pages through a large unit: every visible task once, the cursor only grows, the last page is complete', async () => {
    const events = Array.from({ length: 1_200 }, (_, i) =>
      routed(`page-${i}`, 1, { unit: i % 2 ? '4W' : 'ICU' }),
    );
    for (let i = 0; i < events.length; i += 200)
      expect((await postEvents(hub.relay.url, hub.ingest, events.slice(i, i + 200))).status).toBe(202);
    const nurse = await connectAs(hub.relay.url, 'nurse-okafor');
    hub.clients.push(nurse);
    const pages = [];
    let cursor = 0;
    for (;;) {
      const page = await nurse.sync(cursor);
      expect(page.cursor).toBeGreaterThanOrEqual(cursor);
      pages.push(page);
      cursor = page.cursor;
      if (page.complete) break;
    }
    expect(pages.length).toBeGreaterThan(1);
    const ids = pages.flatMap((p) => p.tasks.map((t) => t.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('page-'))).toHaveLength(600);
    expect(pages.flatMap((p) => p.tasks).every((t) => t.unit === '4W')).toBe(true);
    expect(cursor).toBe(await hub.relay.relay.store.lastSeq());
  });

  it('[H1] a task seen only through a live push and then moved away is in `removed` on the next sync', async () => {
    const charge5E = await connectAs(hub.relay.url, 'charge-5e-fennimore');
    hub.clients.push(charge5E);
    const { cursor } = await charge5E.syncAll(0);
    await postEvents(hub.relay.url, hub.ingest, routed('wanderer', 1, { unit: '5E' }));
    await eventually(() => charge5E.received.changed.some((t) => t.id === 'wanderer'));
    await postEvents(hub.relay.url, hub.ingest, routed('wanderer', 2, { unit: '4W' }));
    await eventually(() => charge5E.received.removed.some((r) => r.id === 'wanderer'));
    // A client that missed the removal push still learns it from sync, from its old cursor.
    const page = await charge5E.sync(cursor);
    expect(page.removed).toContain('wanderer');
    expect(page.tasks.map((t) => t.id)).not.toContain('wanderer');
  });

  it('[H1] a device that had the task learns that it closed; a fresh device sees it as done today', async () => {
    await postEvents(hub.relay.url, hub.ingest, routed('closing', 1));
    const nurse = await connectAs(hub.relay.url, 'nurse-brightwater');
    hub.clients.push(nurse);
    const { cursor } = await nurse.syncAll(0);
    await postEvents(hub.relay.url, hub.ingest, {
      specversion: '1.0',
      id: 'closing-cancel',
      source: 'urn:wardline:test',
      type: 'wardline.task.cancelled',
      data: { taskId: 'closing', revision: 2, reason: 'Patient transferred to another hospital' },
    });
    const later = await nurse.syncAll(cursor);
    expect(later.tasks.get('closing')?.status).toBe('cancelled');
    const fresh = await nurse.syncAll(0);
    expect(fresh.tasks.get('closing')?.status).toBe('cancelled');
  });

  it('[H5] moving a nurse from 4W to 5E changes her live view at once, on the same connection', async () => {
    await postEvents(hub.relay.url, hub.ingest, [
      routed('move-4w', 1, { unit: '4W' }),
      routed('move-5e', 1, { unit: '5E' }),
    ]);
    const admin = await devToken(hub.relay.url, 'admin-demo');
    const nurse = await connectAs(hub.relay.url, 'nurse-brightwater');
    hub.clients.push(nurse);
    expect((await nurse.syncAll(0)).tasks.has('move-4w')).toBe(true);

    const res = await fetch(`${hub.relay.url}/api/staff/${TENANT}/nurse-brightwater`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['5E'] }),
    });
    expect(res.status).toBe(200);
    await eventually(() => nurse.received.removed.some((r) => r.id === 'move-4w'));
    await eventually(() => nurse.received.changed.some((t) => t.id === 'move-5e'));
    // [H2] and every method uses the new units from now on, with the same token.
    const view = await nurse.syncAll(0);
    expect(view.tasks.has('move-5e')).toBe(true);
    expect(view.tasks.has('move-4w')).toBe(false);
    const claim = await nurse.execute('move-4w', 'claim');
    expect(claim.status === 'rejected' && claim.code).toBe('not-found');
  });

  it('[H3] a malformed command is rejected as invalid with a sentence, and a bad cursor is a hub error', async () => {
    const nurse = await connectAs(hub.relay.url, 'nurse-okafor');
    hub.clients.push(nurse);
    const result = await nurse.connection.invoke('execute', { taskId: 'page-1', type: 'claim' });
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid', task: null });
    expect((result as { message: string }).message).toMatch(/commandId/);
    await expect(nurse.connection.invoke('sync', 'yesterday')).rejects.toThrow(/sync needs a cursor/);
    // The connection is still usable.
    expect((await nurse.sync(0)).tasks.length).toBeGreaterThan(0);
  });
});
