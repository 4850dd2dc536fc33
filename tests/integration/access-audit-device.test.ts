import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRecorder, type AccessQueue, type QueuedOpen } from '../../src/data/access-log';
import { DemoTokenSource } from '../../src/data/auth/token-source';
import { routed } from '../helpers/events';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * docs/SECURITY.md A2–A5: the PWA's recorder (src/data/access-log.ts) against a real relay. The one
 * stand-in is the queue's storage (IndexedDB in the browser, a Map here); what reaches the relay, and
 * how often, is real.
 */
class MemoryQueue implements AccessQueue {
  readonly rows = new Map<string, QueuedOpen>();
  async add(open: QueuedOpen) {
    this.rows.set(open.id, { ...open });
  }
  async pendingFor(tenantId: string, staffId: string) {
    return [...this.rows.values()].filter((o) => o.tenantId === tenantId && o.staffId === staffId);
  }
  async markReplayed(ids: readonly string[]) {
    for (const id of ids) this.rows.get(id)!.replayed = true;
  }
  async remove(ids: readonly string[]) {
    for (const id of ids) this.rows.delete(id);
  }
  async deviceId() {
    return 'device-test-0001';
  }
}

describe('the device records each task it shows, online or replayed later, once', () => {
  let relay: TestRelay;
  let auditor: string;
  let tenantId: string;

  beforeAll(async () => {
    relay = await startTestRelay();
    await postEvents(relay.url, await devToken(relay.url, 'integration-engine'), [
      routed('dev-1', 1, {
        patient: { ref: 'Patient/dev-1', name: 'Aurelia Pennywhistle', mrn: 'TEST-9', bed: '4W-07' },
      }),
    ]);
    auditor = await devToken(relay.url, 'admin-demo');
    const me = await fetch(`${relay.url}/api/me`, { headers: { authorization: `Bearer ${auditor}` } });
    tenantId = ((await me.json()) as { tenantId: string }).tenantId;
  });
  afterAll(() => relay.stop());

  async function records(staffId: string) {
    const res = await fetch(`${relay.url}/api/audit/access?staff=${staffId}&task=dev-1`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    return (
      (await res.json()) as {
        records: Array<{ at: string; mode: string; device: string; patientRef: string }>;
      }
    ).records;
  }

  it('[A2] a task shown online is one record, sent at once', async () => {
    const queue = new MemoryQueue();
    const recorder = new AccessRecorder(queue, { baseUrl: relay.url, isOnline: () => true });
    const nurse = { tenantId, id: 'nurse-okafor' };
    await recorder.opened(nurse, 'dev-1', new DemoTokenSource('nurse-okafor', relay.url));
    expect(queue.rows.size).toBe(0);
    expect(await records('nurse-okafor')).toEqual([
      expect.objectContaining({ mode: 'online', device: 'device-test-0001', patientRef: 'Patient/dev-1' }),
    ]);
    // Sending again finds nothing waiting: still one record.
    expect(await recorder.flush(nurse, new DemoTokenSource('nurse-okafor', relay.url))).toBe(0);
    expect(await records('nurse-okafor')).toHaveLength(1);
  });

  it('[A3] a task shown offline waits on the device, and is one replayed record with its own time once back', async () => {
    const queue = new MemoryQueue();
    let online = false;
    const shownAt = new Date(Date.now() - 20 * 60_000);
    const recorder = new AccessRecorder(queue, {
      baseUrl: relay.url,
      isOnline: () => online,
      now: () => shownAt,
    });
    const nurse = { tenantId, id: 'nurse-brightwater' };
    const tokens = new DemoTokenSource('nurse-brightwater', relay.url);
    await recorder.opened(nurse, 'dev-1', tokens);
    expect([...queue.rows.values()]).toEqual([expect.objectContaining({ replayed: true, taskId: 'dev-1' })]);
    expect(await records('nurse-brightwater')).toEqual([]);

    online = true;
    // Two triggers at once (the `online` event and the minute's resend): still one record.
    await Promise.all([recorder.flush(nurse, tokens), recorder.flush(nurse, tokens)]);
    await recorder.flush(nurse, tokens);
    expect(queue.rows.size).toBe(0);
    expect(await records('nurse-brightwater')).toEqual([
      expect.objectContaining({ mode: 'replayed', at: shownAt.toISOString() }),
    ]);
  });

  it('[A4] a send that never reached the relay is kept and goes later as a replay', async () => {
    const queue = new MemoryQueue();
    const down = new AccessRecorder(queue, { baseUrl: 'http://127.0.0.1:1', isOnline: () => true });
    const nurse = { tenantId, id: 'charge-4w-marchbank' };
    const tokens = new DemoTokenSource('charge-4w-marchbank', relay.url);
    await down.opened(nurse, 'dev-1', tokens);
    expect([...queue.rows.values()]).toEqual([expect.objectContaining({ replayed: true })]);
    await new AccessRecorder(queue, { baseUrl: relay.url }).flush(nurse, tokens);
    expect(queue.rows.size).toBe(0);
    expect((await records('charge-4w-marchbank')).map((r) => r.mode)).toEqual(['replayed']);
  });

  it('[A5] one person’s waiting opens are never sent under the next person’s sign-in', async () => {
    const queue = new MemoryQueue();
    const recorder = new AccessRecorder(queue, { baseUrl: relay.url, isOnline: () => false });
    await recorder.opened(
      { tenantId, id: 'nurse-okafor' },
      'dev-1',
      new DemoTokenSource('nurse-okafor', relay.url),
    );
    const before = (await records('coordinator-sorrel')).length;
    await recorder.flush(
      { tenantId, id: 'coordinator-sorrel' },
      new DemoTokenSource('coordinator-sorrel', relay.url),
    );
    expect(queue.rows.size).toBe(1);
    expect(await records('coordinator-sorrel')).toHaveLength(before);
  });
});
