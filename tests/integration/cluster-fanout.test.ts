/**
 * Several relays on one PostgreSQL (docs/STORE.md "Several relays", CL1–CL5): relays in this process on
 * one DATABASE_URL, each with its own clients, as a load balancer would spread them.
 */
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import type { Alert, Task } from '../../src/domain';
import { routed, statResult } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { eventually } from '../helpers/hub-client';
import { clusterRig } from '../helpers/cluster-rig';
import { deviceKeys, startPushService } from '../helpers/push-service';
import { chargeNurseFirstEnv } from '../helpers/policies';
import { devToken, postEvents, tempDir, type TestRelay } from '../helpers/relay';

const MINUTE = 60_000;

// Guards for a loaded machine (each relay start and client connect is slow there), not speed bounds.
describe('several relays on one PostgreSQL', { timeout: 120_000 }, () => {
  const { cleanup, database, relay, client } = clusterRig(chargeNurseFirstEnv);

  /**
   * Relay A on a clock the test moves, relay B on real time (far from any deadline A reaches), and 4W's
   * charge nurse connected to B, with the alerts she hears.
   */
  async function chargeNurseOnB() {
    const url = await database();
    const clock = new FakeClock();
    const a = await relay(url, 'relay-a', { clock });
    const b = await relay(url, 'relay-b');
    const charge = await client(b.url, 'charge-4w-marchbank');
    const alerts: Alert[] = [];
    charge.connection.on('alert', (alert: Alert) => alerts.push(alert));
    return { clock, a, b, alerts };
  }

  it('[CL1] each relay names itself in /readyz, /metrics and its log lines', async () => {
    const url = await database();
    const a = await relay(url, 'relay-a');
    const b = await relay(url, 'relay-b');
    for (const [r, id] of [
      [a, 'relay-a'],
      [b, 'relay-b'],
    ] as const) {
      const ready = (await (await fetch(`${r.url}/readyz`)).json()) as { relayId: string };
      expect(ready.relayId).toBe(id);
      const metrics = await (await fetch(`${r.url}/metrics`)).text();
      expect(metrics).toContain(`wardline_relay_info{relay_id="${id}"} 1`);
      expect(r.logs.records().find((l) => l.msg === 'relay listening')).toMatchObject({ relayId: id });
    }
  });

  it('[CL2] a change committed on relay A reaches a nurse connected to relay B, in seq order, once', async () => {
    const url = await database();
    const a = await relay(url, 'relay-a');
    const b = await relay(url, 'relay-b');
    const nurseOnB = await client(b.url, 'nurse-okafor');
    const nurseOnA = await client(a.url, 'nurse-okafor');
    const ingestA = await devToken(a.url, 'integration-engine');
    const ingestB = await devToken(b.url, 'integration-engine');

    // Both relays write, interleaved: every client hears every change, whoever wrote it.
    for (let i = 0; i < 20; i++) {
      const [to, token] = i % 2 === 0 ? [a.url, ingestA] : [b.url, ingestB];
      expect((await postEvents(to, token, [routed(`fan-${i}`, 1)])).status).toBe(202);
    }
    for (const nurse of [nurseOnA, nurseOnB]) {
      await eventually(() => nurse.received.changed.length >= 20, 20_000);
      const seqs = nurse.received.changed.map((t: Task) => t.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(nurse.received.changed.map((t) => t.id)).size).toBe(20);
    }
    // A claim on B: A's client sees the task leave "unowned" for Okafor's own.
    const claimed = await nurseOnB.execute('fan-3', 'claim');
    expect(claimed.status).toBe('applied');
    await eventually(() => nurseOnA.received.changed.some((t) => t.id === 'fan-3' && t.owner?.id), 20_000);
    expect(nurseOnA.received.changed.length).toBe(21);
  });

  it('[CL5] a charge nurse connected to relay B receives the alert that relay A’s timer fired', async () => {
    // A's scheduler runs on a clock the test moves; B's on real time, ten minutes short of the deadline.
    const { clock, a, b, alerts } = await chargeNurseOnB();
    const ingest = await devToken(a.url, 'integration-engine');
    await postEvents(a.url, ingest, [statResult('k-high', new Date(clock.now().getTime() + 10 * MINUTE))]);

    await clock.advance(10 * MINUTE + 2_000); // the deadline, then A's coalescing window
    await eventually(() => alerts.length === 1, 15_000);
    expect(alerts[0]).toMatchObject({ taskIds: ['k-high'], level: 1, targetRole: 'ChargeNurse', unit: '4W' });
    // A fired it (B's clock is ten minutes short), B alerted its own connection from the change.
    expect(a.logs.records().filter((l) => l.msg === 'escalation fired')).toHaveLength(1);
    expect(b.logs.records().filter((l) => l.msg === 'escalation fired')).toHaveLength(0);
    expect(b.logs.records().find((l) => l.msg === 'alert sent')).toMatchObject({ relayId: 'relay-b' });
  });

  it('[CL5][HO7] a charge nurse connected to relay B hears of the offer nobody accepted, which relay A’s watch recorded', async () => {
    // A's watch runs on a clock the test moves; B's on real time, far from the offer's deadline.
    const { clock, a, b, alerts } = await chargeNurseOnB();
    const nurse = await client(a.url, 'nurse-okafor');
    const ingest = await devToken(a.url, 'integration-engine');
    await postEvents(a.url, ingest, [routed('slow-offer', 1, { candidateRoles: ['Nurse'] })]);
    await eventually(() => nurse.received.changed.some((t) => t.id === 'slow-offer'), 20_000);
    expect((await nurse.execute('slow-offer', 'claim')).status).toBe('applied');
    const offered = await nurse.execute('slow-offer', 'handover.offer', {
      to: { id: 'nurse-brightwater' },
      note: { text: 'Bed 1 is going home' },
    });
    expect(offered.status).toBe('applied');

    await clock.minutes(16); // past the default 15 minutes to accept
    await eventually(() => alerts.length === 1, 20_000);
    expect(alerts[0]).toMatchObject({
      kind: 'handover',
      taskIds: ['slow-offer'],
      unit: '4W',
      targetRole: 'ChargeNurse',
      handover: { from: { id: 'nurse-okafor' }, to: { id: 'nurse-brightwater' } },
    });
    expect(a.logs.records().filter((l) => l.msg === 'handover not accepted in time')).toHaveLength(1);
    expect(b.logs.records().filter((l) => l.msg === 'handover not accepted in time')).toHaveLength(0);
  });

  it('[CL5] the Web Push for a firing is sent once, by the relay that fired it, though both relays alert their hubs', async () => {
    const url = await database();
    const dir = tempDir();
    const pushService = await startPushService(dir.path);
    cleanup.push(async () => {
      await pushService.close();
      dir.remove();
    });
    const clock = new FakeClock();
    const a = await relay(url, 'relay-a', { clock, ...pushService.relayParts });
    const b = await relay(url, 'relay-b', { ...pushService.relayParts });
    // Both relays read the subscription from the shared database. (Relays of one cluster share their
    // VAPID keys in production; the test push service does not check them.)
    const token = await devToken(b.url, 'charge-4w-marchbank');
    const subscribed = await fetch(`${b.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: `${pushService.url}/push/charge-phone`, keys: deviceKeys().json }),
    });
    expect(subscribed.status).toBe(201);
    const chargeOnA = await client(a.url, 'charge-4w-marchbank');
    const chargeOnB = await client(b.url, 'charge-4w-marchbank');
    const heard: Record<string, Alert[]> = { a: [], b: [] };
    chargeOnA.connection.on('alert', (alert: Alert) => heard.a!.push(alert));
    chargeOnB.connection.on('alert', (alert: Alert) => heard.b!.push(alert));
    const ingest = await devToken(a.url, 'integration-engine');
    await postEvents(a.url, ingest, [statResult('push-once', new Date(clock.now().getTime() + 10 * MINUTE))]);

    await clock.advance(10 * MINUTE + 2_000);
    await eventually(() => heard.a!.length === 1 && heard.b!.length === 1, 15_000);
    await eventually(() => pushService.received.some((p) => p.device === 'charge-phone'), 15_000);
    await new Promise((r) => setTimeout(r, 3_000)); // B's coalescing window, and any second push
    expect(pushService.received.filter((p) => p.device === 'charge-phone')).toHaveLength(1);
    expect(heard.a).toHaveLength(1);
    expect(heard.b).toHaveLength(1);
    expect(heard.a![0]!.id).toBe(heard.b![0]!.id);
  });

  it('[CL3] relay B’s database connections are cut: it reconnects, catches up from its cursor, skips nothing', async () => {
    const url = await database();
    const a = await relay(url, 'relay-a');
    const b: TestRelay = await relay(url, 'relay-b');
    const nurseOnB = await client(b.url, 'nurse-okafor');
    const ingest = await devToken(a.url, 'integration-engine');
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    cleanup.push(() => admin.end());
    const cutB = () =>
      admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'wardline-relay-b'`,
      );

    let sent = 0;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++, sent++)
        expect((await postEvents(a.url, ingest, [routed(`cut-${sent}`, 1)])).status).toBe(202);
    };
    await send(10);
    await eventually(() => nurseOnB.received.changed.length === 10, 20_000);
    // B listening again: its LISTEN connection is back (the last statement it ran was the LISTEN).
    const listening = async () =>
      (
        await admin.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'wardline-relay-b' AND query LIKE 'LISTEN%'`,
        )
      ).rowCount === 1;
    // Cut every connection B has (its pool and its LISTEN connection), three times, while A writes.
    for (let round = 0; round < 3; round++) {
      await eventually(listening, 20_000);
      const cut = await cutB();
      expect(cut.rowCount).toBeGreaterThan(0);
      await send(10);
    }
    await eventually(() => nurseOnB.received.changed.length >= 40, 20_000);
    await eventually(listening, 20_000);
    const ids = nurseOnB.received.changed.map((t) => t.id);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => `cut-${i}`));
    expect(b.logs.records().some((l) => l.msg === 'change tail lost the database; catching up')).toBe(true);
  });
});
