import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoTokenSource } from '../../src/data/auth/token-source';
import { subscribeToPush, type PushManagerLike, type PushSubscriptionLike } from '../../src/data/push';
import { statResult } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { eventually } from '../helpers/hub-client';
import {
  decrypt,
  deviceKeys,
  startPushRelay,
  startPushService,
  type PushRelay,
  type PushService,
} from '../helpers/push-service';
import { devToken, postEvents, startTestRelay, tempDir, type TestRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';

/**
 * docs/SECURITY.md P1–P6, each attack as the relay met it: a signed-in person aims the relay's pushes
 * inward, or takes over a colleague's phone. The loopback push service is allowed only through the
 * test-only `pushTestOrigins` part; every other endpoint meets the production rules.
 */

async function post(url: string, token: string, endpoint: string, keys: { p256dh: string; auth: string }) {
  const res = await fetch(`${url}/api/push/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ endpoint, keys }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe('push endpoints cannot point inward', () => {
  const dir = tempDir();
  let pushService: Awaited<ReturnType<typeof startPushService>>;
  let relay: TestRelay;

  beforeAll(async () => {
    pushService = await startPushService(dir.path);
    // `localhost` is on this relay's list on purpose: only its address can refuse it (P2).
    relay = await startTestRelay(
      { PUSH_SERVICE_HOSTS: 'fcm.googleapis.com,localhost.localdomain,localhost' },
      { ...pushService.relayParts },
    );
  });
  afterAll(async () => {
    await relay.stop();
    await pushService.close();
    dir.remove();
  });

  const rows = async () =>
    Number((await relay.relay.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM push_subscriptions'))?.n);

  it.each([
    ['loopback literal', 'https://127.0.0.1:9/push/x', /IP address/],
    ['loopback IPv6 literal', 'https://[::1]/push/x', /IP address/],
    ['link-local metadata service', 'https://169.254.169.254/latest/meta-data', /IP address/],
    ['private range', 'https://10.1.2.3/push/x', /IP address/],
    ['decimal IPv4', 'https://2130706433/push/x', /IP address/],
    ['a host that is no push service', 'https://intranet.hospital.example/push/x', /not a push service/],
    ['a push service on another port', 'https://fcm.googleapis.com:8443/fcm/send/x', /port/],
    ['credentials in the URL', 'https://user:pw@fcm.googleapis.com/fcm/send/x', /password/],
  ])('[P1] refuses %s with a reason, and stores nothing', async (_name, endpoint, reason) => {
    const before = await rows();
    const answer = await post(
      relay.url,
      await devToken(relay.url, 'nurse-okafor'),
      endpoint,
      deviceKeys().json,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(reason);
    expect(await rows()).toBe(before);
  });

  it('[P2] refuses an allowed name that resolves to a non-public address', async () => {
    const answer = await post(
      relay.url,
      await devToken(relay.url, 'nurse-okafor'),
      'https://localhost/push/x',
      deviceKeys().json,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/not on the public internet|could not be resolved/);
  });

  it('[P1] the test push service is accepted only through the test-only allowance', async () => {
    const answer = await post(
      relay.url,
      await devToken(relay.url, 'nurse-okafor'),
      `${pushService.url}/push/allowed`,
      deviceKeys().json,
    );
    expect(answer.status).toBe(201);
    const plain = await startTestRelay();
    try {
      const refused = await post(
        plain.url,
        await devToken(plain.url, 'nurse-okafor'),
        `${pushService.url}/push/allowed`,
        deviceKeys().json,
      );
      expect(refused.status).toBe(400);
    } finally {
      await plain.stop();
    }
  });
});

describe('a push subscription cannot be taken over', () => {
  const clock = new FakeClock();
  let ward: PushRelay;
  let pushService: PushService;
  let relay: TestRelay;

  beforeAll(async () => {
    ward = await startPushRelay(chargeNurseFirstEnv(), clock);
    ({ relay, pushService } = ward);
  });
  afterAll(() => ward?.stop());

  it('[P6] another person posting a charge nurse’s endpoint with their own keys is refused; her pushes go on', async () => {
    const phone = deviceKeys();
    const endpoint = `${pushService.url}/push/charge-phone`;
    const owner = await post(
      relay.url,
      await devToken(relay.url, 'charge-4w-marchbank'),
      endpoint,
      phone.json,
    );
    expect(owner.status).toBe(201);

    const attacker = deviceKeys();
    const taken = await post(relay.url, await devToken(relay.url, 'nurse-okafor'), endpoint, attacker.json);
    expect(taken.status).toBe(409);
    expect(taken.body.error?.code).toBe('push-endpoint-taken');

    // Repeating her own registration is harmless (new keys after a browser update are hers to give).
    expect(
      (await post(relay.url, await devToken(relay.url, 'charge-4w-marchbank'), endpoint, phone.json)).status,
    ).toBe(201);

    await postEvents(
      relay.url,
      await devToken(relay.url, 'integration-engine'),
      statResult('takeover-k', new Date(clock.now().getTime() + 600_000)),
    );
    await clock.minutes(10);
    await clock.advance(2_000);
    const push = await eventually(() => pushService.received.find((p) => p.device === 'charge-phone'));
    expect(JSON.parse(decrypt(push.body, phone))).toMatchObject({ title: 'Level 1 escalation on 4W' });
  });

  it('[P6] a shared tablet still changes hands: the next person’s device makes a fresh subscription', async () => {
    let made = 0;
    let current: PushSubscriptionLike | null = null;
    const keysOf = new Map<string, ReturnType<typeof deviceKeys>>();
    const manager: PushManagerLike = {
      getSubscription: async () => current,
      // A real browser gives a new endpoint after `unsubscribe`: the device's proof it is itself.
      subscribe: async (options) => {
        const endpoint = `${pushService.url}/push/tablet-${++made}`;
        const keys = deviceKeys();
        keysOf.set(endpoint, keys);
        const subscription: PushSubscriptionLike = {
          endpoint,
          options: { applicationServerKey: options.applicationServerKey.slice().buffer },
          toJSON: () => ({ endpoint, keys: keys.json }),
          unsubscribe: async () => {
            if (current === subscription) current = null;
            return true;
          },
        };
        current = subscription;
        return subscription;
      },
    };
    const platform = { pushManager: async () => manager, requestPermission: async () => 'granted' as const };
    const options = { platform, baseUrl: relay.url };
    // The day charge nurse subscribes; her sign-out never reached the relay (offline at handover).
    expect(await subscribeToPush(new DemoTokenSource('charge-5e-fennimore', relay.url), options)).toEqual({
      subscribed: true,
    });
    // The night charge nurse on the same tablet: the relay refuses the old endpoint, the PWA makes a fresh one.
    expect(await subscribeToPush(new DemoTokenSource('charge-4w-marchbank', relay.url), options)).toEqual({
      subscribed: true,
    });
    expect(made).toBe(2);
    const owners = await relay.relay.db.all<{ endpoint: string; object_id: string }>(
      "SELECT endpoint, object_id FROM push_subscriptions WHERE endpoint LIKE '%/push/tablet-%'",
    );
    expect(owners.map((o) => [o.endpoint.replace(/.*\//, ''), o.object_id]).sort()).toEqual([
      ['tablet-1', 'charge-5e-fennimore'],
      ['tablet-2', 'charge-4w-marchbank'],
    ]);
  });
});
