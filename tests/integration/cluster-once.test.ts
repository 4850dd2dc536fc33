/**
 * Several relays on one PostgreSQL (docs/STORE.md "Several relays"): what #20 left per relay, now once
 * per cluster or on every relay — a patient alert's Web Push (AS14) goes once; a bed board
 * (`assignmentsChanged`) and a directory unit move (H5) made on one relay reach the screens on the
 * others; an arrival burst asks for the beds' nurses once per scheduler round, not once per task.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Alert, AssignBedsResult, UnitAssignments } from '../../src/domain';
import { routed, statResult } from '../helpers/events';
import { eventually, type WorklistClient } from '../helpers/hub-client';
import { clusterRig } from '../helpers/cluster-rig';
import { decrypt, deviceKeys, startPushService } from '../helpers/push-service';
import { devToken, postEvents, tempDir, type TestRelay } from '../helpers/relay';
import { shiftsAroundNow } from '../helpers/policies';

const TENANT = '7e57de00-0000-4000-8000-000000000001';
const MINUTE = 60_000;

// Guards for a loaded machine (each relay start and client connect is slow there), not speed bounds.
describe('several relays: once per cluster, on every relay', { timeout: 180_000 }, () => {
  const { cleanup, database, relay, client } = clusterRig(shiftsAroundNow);

  async function assignBeds(charge: WorklistClient, beds: string[], nurseId: string): Promise<void> {
    const board = await charge.connection.invoke<UnitAssignments>('assignments', '4W');
    const result = await charge.connection.invoke<AssignBedsResult>('assignBeds', {
      commandId: randomUUID(),
      unit: '4W',
      beds,
      nurseId,
      shiftId: board.shift.id,
      madeAt: new Date().toISOString(),
    });
    expect(result.status).toBe('applied');
  }

  const stat = (id: string, bed: string) =>
    routed(id, 1, {
      priority: 'stat',
      patient: { ref: `Patient/${id}`, name: 'Marigold Fennwright', mrn: `TEST-${id}`, bed },
    });

  /**
   * What each relay decided about an alert's Web Push (push-once.ts logs one line: it sends, another
   * relay holds the claim, or another relay already sent it).
   */
  const decided = (r: TestRelay, alertId: string) =>
    r.logs
      .records()
      .filter(
        (l) =>
          l.alertId === alertId &&
          (l.msg === 'alert push claimed' ||
            l.msg === 'alert push left to another relay' ||
            l.msg === 'alert push already sent by another relay'),
      )
      .map((l) => l.msg as string);

  /**
   * Relays A and B with the fake push service; Okafor's tablet subscribed, 4W-04 and 4W-05 hers, and
   * Okafor connected to B with the alerts she hears there.
   */
  async function okaforWithTablet() {
    const url = await database();
    const dir = tempDir();
    const pushService = await startPushService(dir.path);
    cleanup.push(async () => {
      await pushService.close();
      dir.remove();
    });
    const a = await relay(url, 'relay-a', pushService.relayParts);
    const b = await relay(url, 'relay-b', pushService.relayParts);
    const token = await devToken(b.url, 'nurse-okafor');
    const keys = deviceKeys();
    const subscribed = await fetch(`${b.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: `${pushService.url}/push/okafor-tablet`, keys: keys.json }),
    });
    expect(subscribed.status).toBe(201);
    await assignBeds(await client(a.url, 'charge-4w-marchbank'), ['4W-04', '4W-05'], 'nurse-okafor');
    const okafor = await client(b.url, 'nurse-okafor');
    const alerts: Alert[] = [];
    okafor.connection.on('alert', (alert: Alert) => alerts.push(alert));
    const tablet = () => pushService.received.filter((p) => p.device === 'okafor-tablet');
    /** The alert each push on her tablet was for: its tag (no patient data in a push, only the id). */
    const tags = () => tablet().map((p) => (JSON.parse(decrypt(p.body, keys)) as { tag: string }).tag);
    return { url, a, b, alerts, tablet, tags, ingest: await devToken(a.url, 'integration-engine') };
  }

  it('[AS14][AS13][CL5] two relays hear a new stat item and a critical result for her patients: her screen hears each, her tablet buzzes once for each', async () => {
    const { a, b, alerts, tags, ingest } = await okaforWithTablet();
    expect((await postEvents(a.url, ingest, [stat('once-dis', '4W-04')])).status).toBe(202);

    // Her screen on B: B told its own connection from the committed change A wrote.
    await eventually(() => alerts.some((x) => x.id === 'once-dis:patient'), 20_000);
    expect(alerts.find((x) => x.id === 'once-dis:patient')).toMatchObject({
      kind: 'patient',
      targetRole: 'AssignedNurse',
      taskIds: ['once-dis'],
    });
    await eventually(() => tags().includes('once-dis:patient'), 20_000);
    // Both relays have decided about this push (one sends, the other leaves it): then count.
    await eventually(
      () => decided(a, 'once-dis:patient').length === 1 && decided(b, 'once-dis:patient').length === 1,
      20_000,
    );
    const decisions = [...decided(a, 'once-dis:patient'), ...decided(b, 'once-dis:patient')];
    expect(decisions.filter((d) => d === 'alert push claimed')).toHaveLength(1);

    // A critical result for her other bed: the chain's first level tells her on arrival, fired by one
    // relay's scheduler; that relay pushes it.
    const critical = statResult('once-k', new Date(Date.now() + 60 * MINUTE), {
      patient: { ref: 'Patient/once-k', name: 'Other Person', mrn: 'TEST-once-k', bed: '4W-05' },
    });
    expect((await postEvents(b.url, await devToken(b.url, 'integration-engine'), [critical])).status).toBe(
      202,
    );
    await eventually(() => alerts.some((x) => x.taskIds.includes('once-k')), 20_000);
    await eventually(() => tags().some((t) => t !== 'once-dis:patient'), 20_000);
    // Every relay's coalescing window for the firing has passed once the other relay logged it too.
    await eventually(
      () =>
        [a, b].every((r) =>
          r.logs.records().some((l) => l.msg === 'alert sent' && (l.taskIds as string[])?.includes('once-k')),
        ),
      20_000,
    );
    const pushed = tags();
    expect(pushed.filter((t) => t === 'once-dis:patient')).toHaveLength(1);
    expect(pushed).toHaveLength(2);
    expect(alerts.filter((x) => x.id === 'once-dis:patient')).toHaveLength(1);
    expect(alerts.filter((x) => x.taskIds.includes('once-k'))).toHaveLength(1);
  });

  it('[AS14] a relay that claimed the push and died before sending it: another relay takes it over and sends it, once', async () => {
    const { url, a, b, tablet, ingest } = await okaforWithTablet();
    // A relay of the cluster claimed this alert's push a minute ago and never marked it sent (it died).
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    cleanup.push(() => sql.end());
    await sql.query(`INSERT INTO alert_pushes (alert_id, relay_id, claimed_at) VALUES ($1, $2, $3)`, [
      'gone-dis:patient',
      'relay-gone',
      Date.now() - 2 * MINUTE,
    ]);
    expect((await postEvents(a.url, ingest, [stat('gone-dis', '4W-05')])).status).toBe(202);

    await eventually(() => tablet().length >= 1, 20_000);
    await eventually(
      () => decided(a, 'gone-dis:patient').length === 1 && decided(b, 'gone-dis:patient').length === 1,
      20_000,
    );
    expect(tablet()).toHaveLength(1);
    expect(
      [...decided(a, 'gone-dis:patient'), ...decided(b, 'gone-dis:patient')].filter(
        (d) => d === 'alert push claimed',
      ),
    ).toHaveLength(1);
    const row = await sql.query<{ relay_id: string; sent_at: string | null }>(
      `SELECT relay_id, sent_at FROM alert_pushes WHERE alert_id = 'gone-dis:patient'`,
    );
    expect(['relay-a', 'relay-b']).toContain(row.rows[0]!.relay_id);
    await eventually(
      async () =>
        (
          await sql.query(
            `SELECT 1 FROM alert_pushes WHERE alert_id = 'gone-dis:patient' AND sent_at IS NOT NULL`,
          )
        ).rowCount === 1,
      20_000,
    );
  });

  it('[AS3][CL2] beds assigned on relay A: 4W’s charge nurse on relay B sees the board at once; a 5E nurse on relay C does not', async () => {
    const url = await database();
    const a = await relay(url, 'relay-a');
    const b = await relay(url, 'relay-b');
    const c = await relay(url, 'relay-c');
    const chargeOnA = await client(a.url, 'charge-4w-marchbank');
    const boards: Record<string, UnitAssignments[]> = { chargeOnB: [], brightwaterOnC: [], quillonOnC: [] };
    const listen = (who: string, c: WorklistClient) =>
      c.connection.on('assignmentsChanged', (board: UnitAssignments) => boards[who]!.push(board));
    listen('chargeOnB', await client(b.url, 'charge-4w-marchbank'));
    listen('brightwaterOnC', await client(c.url, 'nurse-brightwater'));
    listen('quillonOnC', await client(c.url, 'nurse-quillon'));

    await assignBeds(chargeOnA, ['4W-01', '4W-02'], 'nurse-okafor');
    const onB = await eventually(() => boards.chargeOnB!.at(-1), 20_000);
    expect(onB.unit).toBe('4W');
    expect(onB.beds.filter((bed) => bed.nurse?.id === 'nurse-okafor').map((bed) => bed.bed)).toEqual([
      '4W-01',
      '4W-02',
    ]);
    // C told its 4W member; its 5E member, on the same relay and in the same send, heard nothing.
    await eventually(() => boards.brightwaterOnC!.length === 1, 20_000);
    expect(boards.brightwaterOnC![0]!.beds.find((bed) => bed.bed === '4W-01')?.nurse?.id).toBe(
      'nurse-okafor',
    );
    expect(boards.quillonOnC).toEqual([]);
    expect(boards.chargeOnB).toHaveLength(1);
  });

  it('[H5][CL2] an admin moves Okafor to 5E on relay A: her screen on relay B hears her new units and the 5E work', async () => {
    const url = await database();
    const a = await relay(url, 'relay-a');
    const b = await relay(url, 'relay-b');
    const ingest = await devToken(a.url, 'integration-engine');
    expect((await postEvents(a.url, ingest, [routed('move-5e', 1, { unit: '5E' })])).status).toBe(202);
    const okafor = await client(b.url, 'nurse-okafor');
    const brightwater = await client(b.url, 'nurse-brightwater');
    const units: Record<string, unknown[]> = { okafor: [], brightwater: [] };
    okafor.connection.on('unitsChanged', (u: unknown) => units.okafor!.push(u));
    brightwater.connection.on('unitsChanged', (u: unknown) => units.brightwater!.push(u));

    const admin = await devToken(a.url, 'admin-demo');
    const moved = await fetch(`${a.url}/api/staff/${TENANT}/nurse-okafor`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['5E'] }),
    });
    expect(moved.status).toBe(200);
    await eventually(() => units.okafor!.length === 1, 20_000);
    expect(units.okafor).toEqual([['5E']]);
    await eventually(() => okafor.received.changed.some((t) => t.id === 'move-5e'), 20_000);
    // Her colleague on the same relay heard nothing: the move is hers alone.
    expect(units.brightwater).toEqual([]);
  });

  it('[CL5][AS13] an arrival burst of 60 stat results: the scheduler reads the beds’ nurses once per round, not once per result', async () => {
    const url = await database();
    const a = await relay(url, 'relay-a');
    // Count every read of the boards the relay makes (the scheduler's included) from here on.
    const store = a.relay.store;
    let boardReads = 0;
    for (const method of ['bedAssignments', 'bedNurses'] as const) {
      const original = store[method].bind(store) as (...args: never[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (...args: never[]) => {
        boardReads++;
        return original(...args);
      };
    }
    const ingest = await devToken(a.url, 'integration-engine');
    const ackBy = new Date(Date.now() + 60 * MINUTE);
    const burst = Array.from({ length: 60 }, (_, i) =>
      statResult(`burst-${i}`, ackBy, {
        patient: {
          ref: `Patient/burst${i}`,
          name: `Burst ${i}`,
          mrn: `BURST-${i}`,
          bed: `4W-${10 + (i % 20)}`,
        },
      }),
    );
    expect((await postEvents(a.url, ingest, burst)).status).toBe(202);

    // No bed has a nurse: each result's chain starts at the charge nurse at once (AS13).
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    cleanup.push(() => sql.end());
    await eventually(
      async () =>
        Number(
          (
            await sql.query<{ n: string }>(
              `SELECT COUNT(DISTINCT task_id) AS n FROM changes WHERE change = 'escalated' AND actor_id = 'system'`,
            )
          ).rows[0]!.n,
        ) === 60,
      60_000,
    );
    // 60 results, 25 a round: a handful of rounds (and retries of rows a writer held), not 60 reads.
    expect(boardReads).toBeGreaterThan(0);
    expect(boardReads).toBeLessThanOrEqual(10);
  });
});
