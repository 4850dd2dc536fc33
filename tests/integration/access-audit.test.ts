import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLog } from '../../server/src/audit/access-log';
import { openSqliteStore } from '../../server/src/store/database';
import { routed } from '../helpers/events';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/** docs/SECURITY.md A1–A9 against a real relay and its SQLite store. */

const DEVICE = 'tablet-4w-0001';

interface Found {
  records: Array<{
    id: string;
    at: string;
    staffId: string;
    taskId: string;
    patientRef: string | null;
    unit: string | null;
    view: string;
    device: string;
    mode: string;
  }>;
  truncated: boolean;
}

describe('the access audit', () => {
  let relay: TestRelay;
  let ingest: string;
  const tokens: Record<string, string> = {};
  const token = async (staffId: string) => (tokens[staffId] ??= await devToken(relay.url, staffId));

  beforeAll(async () => {
    relay = await startTestRelay();
    ingest = await devToken(relay.url, 'integration-engine');
    await postEvents(relay.url, ingest, [
      routed('aud-1', 1, {
        patient: { ref: 'Patient/aud-1', name: 'Ottoline Brackwater', mrn: 'TEST-1', bed: '4W-02' },
      }),
      routed('aud-2', 1, {
        patient: { ref: 'Patient/aud-2', name: 'Peregrine Mossop', mrn: 'TEST-2', bed: '4W-03' },
      }),
    ]);
  });
  afterAll(() => relay.stop());

  async function search(staffId: string, query: string): Promise<{ status: number; body: Found }> {
    const res = await fetch(`${relay.url}/api/audit/access?${query}`, {
      headers: { authorization: `Bearer ${await token(staffId)}` },
    });
    return { status: res.status, body: (await res.json()) as Found };
  }

  async function sendOpens(staffId: string, opens: unknown[], device = DEVICE) {
    const res = await fetch(`${relay.url}/api/audit/access`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(staffId)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device, opens }),
    });
    return { status: res.status, body: (await res.json()) as { recorded?: number; repeated?: number } };
  }

  it('[A1] reading a task’s history is recorded: who, which task and patient, when, which device', async () => {
    const res = await fetch(`${relay.url}/api/tasks/aud-1/history`, {
      headers: { authorization: `Bearer ${await token('nurse-okafor')}`, 'x-wardline-device': DEVICE },
    });
    expect(res.status).toBe(200);
    const { body } = await search('supervisor-achterberg', 'task=aud-1&staff=nurse-okafor');
    expect(body.records).toEqual([
      expect.objectContaining({
        staffId: 'nurse-okafor',
        taskId: 'aud-1',
        patientRef: 'Patient/aud-1',
        unit: '4W',
        view: 'history',
        device: DEVICE,
        mode: 'online',
      }),
    ]);
  });

  it('[A2] an open sent twice (the answer was lost) is one record; online and replayed opens are told apart', async () => {
    const online = {
      id: randomUUID(),
      taskId: 'aud-2',
      view: 'detail',
      at: new Date().toISOString(),
      replayed: false,
    };
    const offlineAt = new Date(Date.now() - 3 * 60 * 60_000).toISOString();
    const replayed = { id: randomUUID(), taskId: 'aud-2', view: 'detail', at: offlineAt, replayed: true };
    expect((await sendOpens('nurse-brightwater', [online])).body).toEqual({ recorded: 1, repeated: 0 });
    expect((await sendOpens('nurse-brightwater', [online, replayed])).body).toEqual({
      recorded: 1,
      repeated: 1,
    });
    expect((await sendOpens('nurse-brightwater', [replayed])).body).toEqual({ recorded: 0, repeated: 1 });

    const { body } = await search('admin-demo', 'staff=nurse-brightwater&task=aud-2');
    expect(body.records.map((r) => [r.id, r.mode, r.at, r.patientRef])).toEqual([
      [online.id, 'online', online.at, 'Patient/aud-2'],
      [replayed.id, 'replayed', offlineAt, 'Patient/aud-2'],
    ]);
  });

  it('[A3] the caller is who the token says, whatever the body claims; bad opens are refused with a sentence', async () => {
    const forged = {
      id: randomUUID(),
      taskId: 'aud-1',
      view: 'detail',
      at: new Date().toISOString(),
      replayed: false,
      staffId: 'nurse-quillon',
    };
    await sendOpens('nurse-okafor', [forged]);
    const { body } = await search('admin-demo', `task=aud-1&staff=nurse-quillon`);
    expect(body.records).toEqual([]);

    for (const bad of [
      { id: 'not-a-uuid', taskId: 'aud-1', view: 'detail', at: new Date().toISOString(), replayed: false },
      {
        id: randomUUID(),
        taskId: 'aud-1',
        view: 'free text here',
        at: new Date().toISOString(),
        replayed: false,
      },
      {
        id: randomUUID(),
        taskId: 'aud-1',
        view: 'detail',
        at: new Date(Date.now() + 3_600_000).toISOString(),
        replayed: false,
      },
    ]) {
      const answer = await sendOpens('nurse-okafor', [bad]);
      expect(answer.status).toBe(400);
    }
    expect((await sendOpens('nurse-okafor', [forged], 'has spaces in it')).status).toBe(400);
  });

  it('[A4] a list of tasks behind a metric records each task listed', async () => {
    await postEvents(
      relay.url,
      ingest,
      routed('aud-late', 1, { dueAt: new Date(Date.now() - 3_600_000).toISOString() }),
    );
    const res = await fetch(`${relay.url}/api/metrics/tasks?metric=overdue&unit=4W`, {
      headers: { authorization: `Bearer ${await token('charge-4w-marchbank')}` },
    });
    expect(res.status).toBe(200);
    const listed = ((await res.json()) as { tasks: Array<{ id: string }> }).tasks.map((t) => t.id);
    expect(listed.length).toBeGreaterThan(0);
    const { body } = await search('supervisor-achterberg', 'staff=charge-4w-marchbank');
    expect(
      body.records
        .filter((r) => r.view === 'metrics-list')
        .map((r) => r.taskId)
        .sort(),
    ).toEqual(listed.sort());
  });

  it.each(['nurse-okafor', 'charge-4w-marchbank', 'coordinator-sorrel'])(
    '[A7] %s cannot read the access audit',
    async (staffId) => {
      expect((await search(staffId, 'task=aud-1')).status).toBe(403);
    },
  );

  it('[A7] search by patient and period; the CSV is safe to open in a spreadsheet', async () => {
    const injected = {
      id: randomUUID(),
      taskId: '=HYPERLINK("http://x")',
      view: 'detail',
      at: new Date().toISOString(),
      replayed: false,
    };
    await sendOpens('nurse-okafor', [injected]);
    const byPatient = await search('admin-demo', 'patient=Patient/aud-2');
    expect(byPatient.body.records.length).toBe(2);
    expect(byPatient.body.records.every((r) => r.patientRef === 'Patient/aud-2')).toBe(true);
    const future = await search('admin-demo', `from=${new Date(Date.now() + 86_400_000).toISOString()}`);
    expect(future.body.records).toEqual([]);
    expect((await search('admin-demo', 'from=yesterday-ish')).status).toBe(400);

    const csv = await fetch(`${relay.url}/api/audit/access?staff=nurse-okafor&format=csv`, {
      headers: { authorization: `Bearer ${await token('admin-demo')}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('at,recordedAt,staffId,taskId,patientRef,unit,view,device,mode');
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
    // No names or free text: the patients' names never appear in the audit.
    expect(text).not.toContain('Brackwater');
  });

  it('[A6] closing a task leaves its access records alone', async () => {
    await postEvents(relay.url, ingest, {
      specversion: '1.0',
      id: 'aud-1-cancel',
      source: 'urn:wardline:test',
      type: 'wardline.task.cancelled',
      subject: 'aud-1',
      data: { taskId: 'aud-1', revision: 2, reason: 'Discharged elsewhere' },
    });
    const { body } = await search('admin-demo', 'task=aud-1');
    expect(body.records.length).toBeGreaterThan(0);
  });
});

describe('[A6] retention by age only', () => {
  it('removes records older than the period and keeps the rest, whatever became of their tasks', async () => {
    const db = await openSqliteStore(':memory:');
    const log = new AccessLog(db, () => Promise.resolve(null));
    const base = {
      tenantId: 't',
      staffId: 's',
      taskId: 'gone',
      view: 'detail' as const,
      device: 'api',
      mode: 'online' as const,
    };
    await log.record([
      { ...base, id: 'old', at: '2018-01-01T00:00:00.000Z' },
      { ...base, id: 'recent', at: '2026-01-01T00:00:00.000Z' },
    ]);
    expect(await log.purgeOlderThan(new Date('2019-06-01T00:00:00Z'))).toBe(1);
    expect((await log.search({ tenantId: 't', limit: 10 })).records.map((r) => r.id)).toEqual(['recent']);
    await db.close();
  });
});
