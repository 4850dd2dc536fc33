import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AssignBedsResult, UnitAssignments } from '../../src/domain';
import { routed, statResult } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { connectAs, eventually } from '../helpers/hub-client';
import {
  decrypt,
  deviceKeys,
  startPushRelay,
  type PushRelay,
  type PushService,
} from '../helpers/push-service';
import { devToken, postEvents, type TestRelay } from '../helpers/relay';

/**
 * docs/ASSIGNMENTS.md AS13/AS14 with Web Push: the assigned nurse's new stat work and critical results
 * reach her devices (and only hers), without patient data, and exactly once each.
 */
describe('the assigned nurse’s alerts, live and as Web Push', () => {
  let ward: PushRelay;
  let pushService: PushService;
  let relay: TestRelay;
  const clock = new FakeClock();
  const okaforTablet = deviceKeys();
  const brightwaterTablet = deviceKeys();
  const chargePhone = deviceKeys();

  beforeAll(async () => {
    ward = await startPushRelay({}, clock, 'wardline-assign-push-');
    ({ relay, pushService } = ward);
  });
  afterAll(() => ward?.stop());

  const subscribe = (staffId: string, device: string, keys: { p256dh: string; auth: string }) =>
    ward.subscribe(staffId, device, keys);

  it('[AS13][AS14] a stat result and a stat discharge for her beds: one alert each, on her screen and her tablet, nobody else’s', async () => {
    await subscribe('nurse-okafor', 'okafor-tablet', okaforTablet.json);
    await subscribe('nurse-brightwater', 'brightwater-tablet', brightwaterTablet.json);
    await subscribe('charge-4w-marchbank', 'charge-phone', chargePhone.json);
    const charge = await connectAs(relay.url, 'charge-4w-marchbank');
    const okafor = await connectAs(relay.url, 'nurse-okafor');
    const alerts: Alert[] = [];
    okafor.connection.on('alert', (a: Alert) => alerts.push(a));
    const chargeAlerts: Alert[] = [];
    charge.connection.on('alert', (a: Alert) => chargeAlerts.push(a));
    try {
      const board = await charge.connection.invoke<UnitAssignments>('assignments', '4W');
      const assigned = await charge.connection.invoke<AssignBedsResult>('assignBeds', {
        commandId: randomUUID(),
        unit: '4W',
        beds: ['4W-03', '4W-04'],
        nurseId: 'nurse-okafor',
        shiftId: board.shift.id,
        madeAt: new Date().toISOString(),
      });
      expect(assigned.status).toBe('applied');

      const ingest = await devToken(relay.url, 'integration-engine');
      const patient = { ref: 'Patient/ap-1', name: 'Marigold Fennwright', mrn: 'TEST-445566', bed: '4W-03' };
      await postEvents(relay.url, ingest, [
        statResult('ap-k', new Date(clock.now().getTime() + 600_000), { patient }),
        routed('ap-dis', 1, {
          priority: 'stat',
          patient: { ref: 'Patient/ap-2', name: 'Other Person', mrn: 'TEST-445567', bed: '4W-04' },
        }),
        // Routine work for her bed is hers but rings nothing.
        routed('ap-routine', 1, {
          kind: 'follow-up',
          patient: { ref: 'Patient/ap-2', name: 'Other Person', mrn: 'TEST-445567', bed: '4W-04' },
        }),
      ]);
      await clock.advance(3_000);

      await eventually(() => alerts.length === 2);
      expect(alerts.map((a) => [a.taskIds.join(), a.kind, a.level, a.targetRole]).sort()).toEqual([
        ['ap-dis', 'patient', 1, 'AssignedNurse'],
        ['ap-k', 'escalation', 1, 'AssignedNurse'],
      ]);
      const pushes = await eventually(() => {
        const mine = pushService.received.filter((p) => p.device === 'okafor-tablet');
        return mine.length === 2 ? mine : false;
      });
      const texts = pushes.map((p) => decrypt(p.body, okaforTablet));
      expect(texts.map((t) => (JSON.parse(t) as { title: string }).title).sort()).toEqual([
        'Level 1 escalation on 4W',
        'New stat item for your patient on 4W',
      ]);
      for (const text of texts)
        for (const secret of [patient.name, patient.mrn, '4W-03', '4W-04', 'K+', 'Other Person'])
          expect(text.includes(secret), `"${secret}" in the push`).toBe(false);

      await clock.advance(60_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(alerts).toHaveLength(2);
      expect(pushService.received.filter((p) => p.device === 'okafor-tablet')).toHaveLength(2);
      expect(pushService.received.filter((p) => p.device !== 'okafor-tablet')).toEqual([]);
      expect(chargeAlerts).toEqual([]);
    } finally {
      await okafor.stop();
      await charge.stop();
    }
  });
});
