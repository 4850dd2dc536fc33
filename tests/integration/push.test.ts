import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statResult } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { eventually } from '../helpers/hub-client';
import {
  decrypt,
  deviceKeys,
  startPushRelay,
  type PushRelay,
  type PushService,
} from '../helpers/push-service';
import { chargeNurseFirstEnv } from '../helpers/policies';
import { devToken, postEvents, type TestRelay } from '../helpers/relay';

describe('Web Push of escalations', () => {
  let ward: PushRelay;
  let pushService: PushService;
  let relay: TestRelay;
  const clock = new FakeClock();
  const chargePhone = deviceKeys();
  const nurseTablet = deviceKeys();

  beforeAll(async () => {
    ward = await startPushRelay(chargeNurseFirstEnv(), clock);
    ({ relay, pushService } = ward);
  });
  afterAll(() => ward?.stop());

  const subscribe = (staffId: string, device: string, keys: { p256dh: string; auth: string }) =>
    ward.subscribe(staffId, device, keys);

  it('reaches the targeted device, decrypts with its keys, and carries no patient data', async () => {
    const key = (await (await fetch(`${relay.url}/api/push/key`)).json()) as { publicKey: string };
    expect(key.publicKey.length).toBeGreaterThan(80);
    await subscribe('charge-4w-marchbank', 'charge-phone', chargePhone.json);
    await subscribe('nurse-okafor', 'nurse-tablet', nurseTablet.json);

    const ingest = await devToken(relay.url, 'integration-engine');
    const patient = { ref: 'Patient/push-1', name: 'Marigold Fennwright', mrn: 'TEST-778899', bed: '4W-09' };
    await postEvents(
      relay.url,
      ingest,
      statResult('push-k', new Date(clock.now().getTime() + 600_000), { patient }),
    );
    await clock.minutes(10);
    await clock.advance(2_000);

    const push = await eventually(() => pushService.received.find((p) => p.device === 'charge-phone'));
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(String(push.headers.authorization)).toMatch(/^vapid t=.+, k=/);
    const text = decrypt(push.body, chargePhone);
    const payload = JSON.parse(text) as { title: string; body: string; url: string };
    expect(payload.title).toBe('Level 1 escalation on 4W');
    expect(payload.url).toBe('/tasks/push-k');
    for (const secret of [patient.name, 'Marigold', 'Fennwright', patient.mrn, patient.bed, 'K+', '6.4']) {
      expect(text.includes(secret), `"${secret}" in the push`).toBe(false);
    }
    // The nurse is not who level 1 targets: her tablet hears nothing.
    await new Promise((r) => setTimeout(r, 300));
    expect(pushService.received.filter((p) => p.device === 'nurse-tablet')).toEqual([]);
  });

  it('refuses a subscription that is not https, with a reason', async () => {
    const token = await devToken(relay.url, 'nurse-okafor');
    const res = await fetch(`${relay.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'http://127.0.0.1:1/push/x', keys: nurseTablet.json }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/https/);
  });
});
