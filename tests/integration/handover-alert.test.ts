import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain';
import { routed } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, tempDir, type TestRelay } from '../helpers/relay';

const MINUTE = 60_000;
/** Lets pushed messages cross loopback before asserting what did (not) arrive. */
const settle = () => new Promise((r) => setTimeout(r, 300));

async function listen(
  relay: TestRelay,
  staffId: string,
): Promise<{ client: WorklistClient; alerts: Alert[] }> {
  const client = await connectAs(relay.url, staffId);
  const alerts: Alert[] = [];
  client.connection.on('alert', (alert: Alert) => alerts.push(alert));
  return { client, alerts };
}

describe('a handover nobody accepts, with an injected clock', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('[HO7] alerts 4W’s charge nurse once after HANDOVER_ACCEPT_MINUTES — never a nurse, never 5E’s', async () => {
    const clock = new FakeClock();
    const relay = await startTestRelay({ HANDOVER_ACCEPT_MINUTES: '15' }, { clock });
    cleanup.push(() => relay.stop());
    const ingest = await devToken(relay.url, 'integration-engine');
    await postEvents(relay.url, ingest, [
      routed('slow-offer', 1, { candidateRoles: ['Nurse'] }),
      routed('quick-offer', 1, { candidateRoles: ['Nurse'] }),
    ]);
    const charge4w = await listen(relay, 'charge-4w-marchbank');
    const charge5e = await listen(relay, 'charge-5e-fennimore');
    const okafor = await listen(relay, 'nurse-okafor');
    const brightwater = await listen(relay, 'nurse-brightwater');
    const supervisor = await listen(relay, 'supervisor-achterberg');
    const listeners = [charge4w, charge5e, okafor, brightwater, supervisor];
    cleanup.push(() => Promise.all(listeners.map((l) => l.client.stop())).then(() => undefined));

    for (const id of ['slow-offer', 'quick-offer']) {
      await okafor.client.execute(id, 'claim');
      const offered = await okafor.client.execute(id, 'handover.offer', {
        to: { id: 'nurse-brightwater' },
        note: { text: 'Bed 1 is going home' },
      });
      expect(offered.status).toBe('applied');
    }
    const offeredAt = (await relay.relay.store.getTask('slow-offer'))?.handover?.offeredAt ?? 'never offered';

    await clock.minutes(10);
    await brightwater.client.execute('quick-offer', 'handover.accept', {}); // answered in time: no alert
    await clock.advance(4 * MINUTE + 59_000);
    await settle();
    expect(charge4w.alerts).toEqual([]);

    await clock.advance(1_000);
    await eventually(() => charge4w.alerts.length === 1);
    expect(charge4w.alerts[0]).toEqual({
      id: `slow-offer:handover:${offeredAt}`,
      kind: 'handover',
      taskIds: ['slow-offer'],
      unit: '4W',
      level: 1,
      repeats: 0,
      targetRole: 'ChargeNurse',
      scope: 'unit',
      priority: 'routine',
      title: 'Discharge to home',
      bed: '4W-01',
      at: clock.now().toISOString(),
      nextAt: null,
      handover: {
        from: { id: 'nurse-okafor', name: 'R. Okafor' },
        to: { id: 'nurse-brightwater', name: 'D. Brightwater' },
        offeredAt,
        waitedMinutes: 15,
      },
    });
    // The offer is still waiting and still the sender's; the task says the charge nurse was told.
    expect(await relay.relay.store.getTask('slow-offer')).toMatchObject({
      owner: { id: 'nurse-okafor' },
      handover: { alertedAt: clock.now().toISOString() },
    });
    expect((await relay.relay.store.auditTrail('slow-offer')).at(-1)).toMatchObject({
      change: 'handover-overdue',
      actor: { id: 'system' },
      detail: 'nurse-brightwater',
    });

    await clock.minutes(60);
    await settle();
    expect(charge4w.alerts).toHaveLength(1); // once
    for (const other of [charge5e, okafor, brightwater, supervisor]) expect(other.alerts).toEqual([]);
    // Nothing about it went upstream: only people act on the outbound topic.
    expect((await relay.relay.store.pendingOutbox(100)).filter((r) => r.body.includes('overdue'))).toEqual(
      [],
    );
  });

  it('[HO7] an offer that came due while the relay was down alerts once when it starts, and never again', async () => {
    const data = tempDir();
    cleanup.push(() => data.remove());
    const env = { DATA_DIR: data.path, HANDOVER_ACCEPT_MINUTES: '15' };
    const clock = new FakeClock();
    const first = await startTestRelay(env, { clock });
    const ingest = await devToken(first.url, 'integration-engine');
    await postEvents(first.url, ingest, [routed('down-offer', 1, { candidateRoles: ['Nurse'] })]);
    const okafor = await connectAs(first.url, 'nurse-okafor');
    await okafor.execute('down-offer', 'claim');
    await okafor.execute('down-offer', 'handover.offer', { to: { id: 'nurse-brightwater' } });
    await okafor.stop();
    await first.stop();

    // Twenty minutes pass with the relay down; it starts on the same database.
    const later = new FakeClock(clock.now().getTime() + 20 * MINUTE);
    const second = await startTestRelay(env, { clock: later });
    const alerted = second.logs.records().filter((r) => r.msg === 'handover not accepted in time');
    await second.stop();
    expect(alerted).toEqual([expect.objectContaining({ taskId: 'down-offer' })]);

    const third = await startTestRelay(env, { clock: new FakeClock(later.now().getTime() + 60 * MINUTE) });
    const again = third.logs.records().filter((r) => r.msg === 'handover not accepted in time');
    const overdue = (await third.relay.store.auditTrail('down-offer')).filter(
      (e) => e.change === 'handover-overdue',
    );
    await third.stop();
    expect(again).toEqual([]);
    expect(overdue).toHaveLength(1);
  });
});
