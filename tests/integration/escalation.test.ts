import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain';
import { statResult } from '../helpers/events';
import { ENGINES, openEngine } from '../helpers/store-engines';
import { FakeClock } from '../helpers/fake-clock';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, tempDir, type TestRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';

const MINUTE = 60_000;

async function listen(
  relay: TestRelay,
  staffId: string,
): Promise<{ client: WorklistClient; alerts: Alert[] }> {
  const client = await connectAs(relay.url, staffId);
  const alerts: Alert[] = [];
  client.connection.on('alert', (alert: Alert) => alerts.push(alert));
  return { client, alerts };
}

/** Lets pushed messages cross loopback before asserting what did (not) arrive. */
const settle = () => new Promise((r) => setTimeout(r, 300));

// The chain's mechanics, on the charge-nurse-first chain (no assigned nurse level): docs/ASSIGNMENTS.md
// AS13 and tests/integration/assignments.test.ts cover the default chain that starts at the bed's nurse.
describe('escalations, with an injected clock', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('a stat result unacknowledged for 10 minutes reaches 4W’s charge nurse once, and at 20 the supervisor', async () => {
    const clock = new FakeClock();
    const relay = await startTestRelay(chargeNurseFirstEnv(), { clock });
    cleanup.push(() => relay.stop());
    const ingest = await devToken(relay.url, 'integration-engine');
    const t0 = clock.now();
    await postEvents(relay.url, ingest, [
      statResult('k-high', new Date(t0.getTime() + 10 * MINUTE)),
      statResult('trop', new Date(t0.getTime() + 10 * MINUTE), {
        unit: '5E',
        patient: { ref: 'Patient/p2', name: 'Other Person', mrn: 'TEST-2' },
      }),
    ]);

    const charge = await listen(relay, 'charge-4w-marchbank');
    const supervisor = await listen(relay, 'supervisor-achterberg');
    const nurse = await listen(relay, 'nurse-okafor');
    cleanup.push(() =>
      Promise.all([charge, supervisor, nurse].map((l) => l.client.stop())).then(() => undefined),
    );

    await clock.advance(9 * MINUTE + 59_000);
    await settle();
    expect(charge.alerts).toEqual([]);

    await clock.advance(1_000 + 2_000); // the deadline, then the coalescing window
    await eventually(() => charge.alerts.length === 1);
    expect(charge.alerts[0]).toMatchObject({
      taskIds: ['k-high'],
      level: 1,
      targetRole: 'ChargeNurse',
      unit: '4W',
    });
    // [E3] The task says why it reached her and who is next if nobody acknowledges.
    expect((await relay.relay.store.getTask('k-high'))?.escalation).toMatchObject({
      level: 1,
      repeats: 0,
      policyId: 'critical-result',
      stopWhen: 'acknowledged',
      target: { role: 'ChargeNurse', scope: 'unit' },
      next: { role: 'Supervisor', scope: 'hospital', level: 2, repeat: false },
    });
    await settle();
    expect(nurse.alerts).toEqual([]);
    expect(supervisor.alerts.filter((a) => a.taskIds.includes('k-high'))).toEqual([]);

    await clock.minutes(9);
    await settle();
    expect(charge.alerts).toHaveLength(1); // exactly once

    await clock.minutes(1);
    await eventually(() => supervisor.alerts.some((a) => a.taskIds.includes('k-high')));
    expect(supervisor.alerts.find((a) => a.taskIds.includes('k-high'))).toMatchObject({
      level: 2,
      targetRole: 'Supervisor',
      scope: 'hospital',
    });

    // [E2] Ten minutes later the supervisor level repeats: still level 2, repeated once, never "level 3".
    await clock.minutes(10);
    await eventually(() => supervisor.alerts.filter((a) => a.taskIds.includes('k-high')).length === 2);
    expect(supervisor.alerts.filter((a) => a.taskIds.includes('k-high'))[1]).toMatchObject({
      level: 2,
      repeats: 1,
    });
    expect((await relay.relay.store.getTask('k-high'))?.escalation).toMatchObject({
      level: 2,
      repeats: 1,
      next: { role: 'Supervisor', level: 2, repeat: true },
    });

    // The 5E result escalated too, to 5E's charge nurse: 4W's never heard of it.
    expect((await relay.relay.store.auditTrail('trop')).filter((e) => e.change === 'escalated')).toHaveLength(
      3,
    );
    expect(charge.alerts.some((a) => a.taskIds.includes('trop'))).toBe(false);
    const audit = (await relay.relay.store.auditTrail('k-high')).filter((e) => e.change === 'escalated');
    expect(audit.map((e) => e.detail)).toEqual([
      'level 1: ChargeNurse (unit)',
      'level 2: Supervisor (hospital)',
      'level 2 (repeat 1): Supervisor (hospital)',
    ]);
    expect(
      (await relay.relay.store.pendingOutbox(100)).filter(
        (r) => r.taskId === 'k-high' && r.type === 'wardline.task.escalated',
      ),
    ).toHaveLength(3);
  });

  it('several critical results for one patient within seconds ring once, as one alert', async () => {
    const clock = new FakeClock();
    const relay = await startTestRelay(chargeNurseFirstEnv(), { clock });
    cleanup.push(() => relay.stop());
    const ingest = await devToken(relay.url, 'integration-engine');
    const ackBy = clock.now().getTime() + 10 * MINUTE;
    const patient = { ref: 'Patient/one', name: 'Same Person', mrn: 'TEST-1', bed: '4W-12' };
    await postEvents(relay.url, ingest, [
      statResult('r1', new Date(ackBy), { patient }),
      statResult('r2', new Date(ackBy + 1_000), { patient, title: 'Troponin rising 36 → 130 ng/L' }),
      statResult('r3', new Date(ackBy), { patient: { ...patient, ref: 'Patient/two', bed: '4W-14' } }),
    ]);
    const charge = await listen(relay, 'charge-4w-marchbank');
    cleanup.push(() => charge.client.stop());
    await clock.minutes(10);
    await clock.advance(5_000);
    await eventually(() => charge.alerts.length === 2);
    await settle();
    const byPatient = charge.alerts.map((a) => a.taskIds.sort().join(',')).sort();
    expect(byPatient).toEqual(['r1,r2', 'r3']);
    expect(charge.alerts.find((a) => a.taskIds.includes('r1'))?.bed).toBe('4W-12');
  });

  it('acknowledging at minute 12 stops the chain: no level 2, no further change', async () => {
    const clock = new FakeClock();
    const relay = await startTestRelay(chargeNurseFirstEnv(), { clock });
    cleanup.push(() => relay.stop());
    const ingest = await devToken(relay.url, 'integration-engine');
    await postEvents(relay.url, ingest, statResult('ack-me', new Date(clock.now().getTime() + 10 * MINUTE)));
    const supervisor = await listen(relay, 'supervisor-achterberg');
    const charge = await listen(relay, 'charge-4w-marchbank');
    cleanup.push(() => Promise.all([supervisor, charge].map((l) => l.client.stop())).then(() => undefined));

    await clock.minutes(10);
    await clock.advance(2_000);
    await eventually(() => charge.alerts.length === 1);
    await clock.minutes(2);
    const ack = await charge.client.execute('ack-me', 'acknowledge');
    expect(ack.status).toBe('applied');
    expect(ack.task?.escalation.nextAt).toBeNull();
    await clock.minutes(30);
    await settle();
    expect(supervisor.alerts).toEqual([]);
    expect((await relay.relay.store.auditTrail('ack-me')).map((e) => e.change)).toEqual([
      'routed',
      'escalated',
      'acknowledged',
    ]);
  });

  it.each(ENGINES)(
    '[ST8] on %s, the relay is down from minute 9 to 15: level 1 fires once at start-up, level 2 still at 20',
    async (engine) => {
      const clock = new FakeClock();
      const data = tempDir();
      const store = await openEngine(engine);
      cleanup.push(async () => {
        await store.close();
        data.remove();
      });
      const env = { DATA_DIR: data.path, ...store.env, ...chargeNurseFirstEnv() };
      const first = await startTestRelay(env, { clock });
      const ingest = await devToken(first.url, 'integration-engine');
      await postEvents(
        first.url,
        ingest,
        statResult('outage', new Date(clock.now().getTime() + 10 * MINUTE)),
      );
      await clock.minutes(9);
      await first.relay.close();

      await clock.minutes(6); // minute 15, nobody running
      const second = await startTestRelay(env, { clock });
      cleanup.push(() => second.stop());
      const escalated = async () =>
        (await second.relay.store.auditTrail('outage')).filter((e) => e.change === 'escalated');
      expect(await escalated()).toHaveLength(1); // fired at start-up, once
      expect((await escalated())[0]?.detail).toBe('level 1: ChargeNurse (unit)');
      expect((await second.relay.store.getTask('outage'))?.escalation.nextAt).toBe(
        new Date(Date.parse((await escalated())[0]!.at) + 5 * MINUTE).toISOString(),
      );

      await clock.minutes(4);
      await clock.advance(59_000);
      expect(await escalated()).toHaveLength(1);
      await clock.advance(1_000);
      expect(await escalated()).toHaveLength(2);
      expect((await escalated())[1]?.detail).toBe('level 2: Supervisor (hospital)');
    },
  );

  it('1,000 tasks escalating in the same minute: each fires once, within 5 s of its deadline', async () => {
    const clock = new FakeClock();
    const relay = await startTestRelay(chargeNurseFirstEnv(), { clock });
    cleanup.push(() => relay.stop());
    const ingest = await devToken(relay.url, 'integration-engine');
    const start = clock.now().getTime() + 10 * MINUTE;
    const deadlines = new Map<string, number>();
    const events = Array.from({ length: 1_000 }, (_, i) => {
      const at = start + (i % 60) * 1_000;
      deadlines.set(`burst-${i}`, at);
      return statResult(`burst-${i}`, new Date(at), {
        patient: { ref: `Patient/b${i}`, name: `Burst ${i}`, mrn: `TEST-B${i}` },
      });
    });
    for (let i = 0; i < events.length; i += 200)
      expect((await postEvents(relay.url, ingest, events.slice(i, i + 200))).status).toBe(202);

    await clock.minutes(10);
    let slowestStepMs = 0;
    for (let s = 0; s < 61; s++) {
      const t = performance.now();
      await clock.advance(1_000);
      slowestStepMs = Math.max(slowestStepMs, performance.now() - t);
    }
    for (const [id, deadline] of deadlines) {
      const fired = (await relay.relay.store.auditTrail(id)).filter((e) => e.change === 'escalated');
      expect(fired, id).toHaveLength(1);
      expect(Date.parse(fired[0]!.at) - deadline, id).toBeLessThanOrEqual(5_000);
    }
    // Real time too: firing one second's worth (~17 tasks) never took the scheduler anywhere near 5 s.
    expect(slowestStepMs).toBeLessThan(5_000);
  });
});

describe('escalation coverage', () => {
  it('a unit with no charge nurse signed in is a gap the coordinator is told about; it closes when one signs in', async () => {
    const relay = await startTestRelay();
    try {
      const coordinator = await devToken(relay.url, 'coordinator-sorrel');
      const gaps = async () =>
        (
          (await (
            await fetch(`${relay.url}/api/coverage`, { headers: { authorization: `Bearer ${coordinator}` } })
          ).json()) as { gaps: Array<{ unit: string; role: string }> }
        ).gaps;
      const before = await gaps();
      expect(before).toContainEqual({ unit: '5E', role: 'ChargeNurse', scope: 'unit' });
      expect(before).toContainEqual({ unit: '*', role: 'Supervisor', scope: 'hospital' });

      const charge5E = await connectAs(relay.url, 'charge-5e-fennimore');
      const after = await gaps();
      expect(after).not.toContainEqual({ unit: '5E', role: 'ChargeNurse', scope: 'unit' });
      expect(after).toContainEqual({ unit: '4W', role: 'ChargeNurse', scope: 'unit' });
      await charge5E.stop();

      const nurse = await devToken(relay.url, 'nurse-okafor');
      expect(
        (await fetch(`${relay.url}/api/coverage`, { headers: { authorization: `Bearer ${nurse}` } })).status,
      ).toBe(403);
    } finally {
      await relay.stop();
    }
  });
});
