import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoTokenSource } from '../../src/data/auth/token-source';
import {
  subscribeToPush,
  unsubscribeFromPush,
  type PushManagerLike,
  type PushPlatform,
  type PushSubscriptionLike,
} from '../../src/data/push';
import { statResult } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { eventually } from '../helpers/hub-client';
import { decrypt, deviceKeys, startPushService } from '../helpers/push-service';
import { devToken, postEvents, startTestRelay, tempDir, type TestRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';

/**
 * docs/SERVICE-WORKER.md W11: the PWA's `subscribeToPush` against a real relay. The browser's push
 * manager is the one test double (no push service in a test process): it makes subscriptions whose
 * endpoint is the test's loopback push service and whose keys the test holds, so what the relay sends
 * to the device after the PWA subscribed it can be decrypted and read.
 */

class FakePushManager implements PushManagerLike {
  current: (PushSubscriptionLike & { unsubscribed: boolean }) | null = null;
  subscribeCalls: Uint8Array[] = [];

  constructor(
    private readonly endpoint: string,
    private readonly keys: { p256dh: string; auth: string },
  ) {}

  async getSubscription() {
    return this.current;
  }

  async subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array<ArrayBuffer> }) {
    expect(options.userVisibleOnly).toBe(true);
    this.subscribeCalls.push(options.applicationServerKey);
    const key = options.applicationServerKey.slice().buffer;
    const subscription = {
      endpoint: this.endpoint,
      options: { applicationServerKey: key },
      unsubscribed: false,
      toJSON: () => ({ endpoint: this.endpoint, keys: this.keys }),
      unsubscribe: async () => {
        subscription.unsubscribed = true;
        if (this.current === subscription) this.current = null;
        return true;
      },
    };
    this.current = subscription;
    return subscription;
  }
}

function platform(
  pushManager: PushManagerLike | null,
  permission: NotificationPermission = 'granted',
): PushPlatform {
  return { pushManager: async () => pushManager, requestPermission: async () => permission };
}

describe('[W11] subscribeToPush hands this device to the relay for escalation pushes', () => {
  const dir = tempDir();
  const clock = new FakeClock();
  let pushService: Awaited<ReturnType<typeof startPushService>>;
  let relay: TestRelay;
  const phone = deviceKeys();

  beforeAll(async () => {
    pushService = await startPushService(dir.path);
    relay = await startTestRelay(chargeNurseFirstEnv(), { clock, ...pushService.relayParts });
  });
  afterAll(async () => {
    await relay.stop();
    await pushService.close();
    dir.remove();
  });

  const subscriptionCount = async () =>
    Number((await relay.relay.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM push_subscriptions'))?.n);

  it('subscribes with the relay’s VAPID key; the relay’s next escalation reaches the device without patient data', async () => {
    const manager = new FakePushManager(`${pushService.url}/push/charge-phone`, phone.json);
    const tokens = new DemoTokenSource('charge-4w-marchbank', relay.url);
    const result = await subscribeToPush(tokens, { platform: platform(manager), baseUrl: relay.url });
    expect(result).toEqual({ subscribed: true });

    const { publicKey } = (await (await fetch(`${relay.url}/api/push/key`)).json()) as { publicKey: string };
    expect(Buffer.from(manager.subscribeCalls[0]!).toString('base64url')).toBe(publicKey);
    expect(await subscriptionCount()).toBe(1);

    const patient = { ref: 'Patient/sub-1', name: 'Clementine Ashgrove', mrn: 'TEST-445566', bed: '4W-05' };
    await postEvents(relay.url, await devToken(relay.url, 'integration-engine'), [
      statResult('sub-k', new Date(clock.now().getTime() + 600_000), { title: 'K+ 6.6 mmol/L', patient }),
    ]);
    await clock.minutes(10);
    await clock.advance(2_000);
    const push = await eventually(() => pushService.received.find((p) => p.device === 'charge-phone'));
    const text = decrypt(push.body, phone);
    expect(JSON.parse(text)).toMatchObject({ title: 'Level 1 escalation on 4W', url: '/tasks/sub-k' });
    for (const secret of [patient.name, 'Clementine', 'Ashgrove', patient.mrn, patient.bed, 'K+']) {
      expect(text.includes(secret), `"${secret}" in the push`).toBe(false);
    }
  });

  it('repeating it is harmless: the same subscription is handed over again, still one row', async () => {
    const manager = new FakePushManager(`${pushService.url}/push/tablet-again`, deviceKeys().json);
    const tokens = new DemoTokenSource('nurse-okafor', relay.url);
    const before = await subscriptionCount();
    expect(await subscribeToPush(tokens, { platform: platform(manager), baseUrl: relay.url })).toEqual({
      subscribed: true,
    });
    expect(await subscribeToPush(tokens, { platform: platform(manager), baseUrl: relay.url })).toEqual({
      subscribed: true,
    });
    expect(manager.subscribeCalls).toHaveLength(1);
    expect(await subscriptionCount()).toBe(before + 1);
  });

  it('replaces a subscription made with another relay key', async () => {
    const manager = new FakePushManager(`${pushService.url}/push/old-key`, deviceKeys().json);
    await manager.subscribe({ userVisibleOnly: true, applicationServerKey: new Uint8Array(65).fill(4) });
    const stale = manager.current!;
    const tokens = new DemoTokenSource('nurse-okafor', relay.url);
    expect(await subscribeToPush(tokens, { platform: platform(manager), baseUrl: relay.url })).toEqual({
      subscribed: true,
    });
    expect(stale.unsubscribed).toBe(true);
    expect(manager.subscribeCalls).toHaveLength(2);
  });

  it('unsubscribeFromPush: the relay forgets the device and the browser drops the subscription', async () => {
    const manager = new FakePushManager(`${pushService.url}/push/shared-tablet`, deviceKeys().json);
    const tokens = new DemoTokenSource('nurse-brightwater', relay.url);
    await subscribeToPush(tokens, { platform: platform(manager), baseUrl: relay.url });
    const before = await subscriptionCount();
    const subscription = manager.current!;
    expect(await unsubscribeFromPush(tokens, { platform: platform(manager), baseUrl: relay.url })).toBe(true);
    expect(await subscriptionCount()).toBe(before - 1);
    expect(subscription.unsubscribed).toBe(true);
  });

  it.each([
    ['unsupported', platform(null)],
    [
      'permission-denied',
      platform(new FakePushManager('https://127.0.0.1:1/x', deviceKeys().json), 'denied'),
    ],
  ] as const)('says why not, and the relay stores nothing: %s', async (reason, p) => {
    const before = await subscriptionCount();
    const result = await subscribeToPush(new DemoTokenSource('nurse-okafor', relay.url), {
      platform: p,
      baseUrl: relay.url,
    });
    expect(result).toMatchObject({ subscribed: false, reason });
    expect(result.subscribed === false && result.message.length > 10).toBe(true);
    expect(await subscriptionCount()).toBe(before);
  });

  it('says the relay cannot be reached when it is down', async () => {
    const manager = new FakePushManager(`${pushService.url}/push/offline`, deviceKeys().json);
    const result = await subscribeToPush(new DemoTokenSource('nurse-okafor', 'http://127.0.0.1:1'), {
      platform: platform(manager),
      baseUrl: 'http://127.0.0.1:1',
    });
    expect(result).toMatchObject({ subscribed: false, reason: 'unreachable' });
  });

  it('says the relay refused when the subscription is unusable (not https)', async () => {
    const manager = new FakePushManager('http://127.0.0.1:1/push/plain', deviceKeys().json);
    const result = await subscribeToPush(new DemoTokenSource('nurse-okafor', relay.url), {
      platform: platform(manager),
      baseUrl: relay.url,
    });
    expect(result).toMatchObject({ subscribed: false, reason: 'relay-refused' });
  });
});
