/**
 * Issue 21, points 1 and 9: the per-person caps on connections (open and still opening) and the
 * per-connection and per-person invocation rates, with small limits so the test is quick; and the
 * relay counting refusals in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devToken, startTestRelay } from '../helpers/relay';
import { startHarness, tokenFor, type Harness } from '../helpers/signalr-harness';
import {
  connectRawSocket,
  jsonRecord,
  negotiate,
  negotiateToken,
  rawSocketUrl,
  upgradeStatus,
  type RawSocket,
} from '../helpers/signalr-raw';

/** `count` invocations of add(n, n), one WebSocket frame each, as a well-behaved client would. */
function invokeEach(socket: RawSocket, prefix: string, count: number): void {
  for (let n = 0; n < count; n++)
    socket.send(jsonRecord({ type: 1, invocationId: `${prefix}${n}`, target: 'add', arguments: [n, n] }));
}

describe('per-person connection caps (issue 21 point 9)', () => {
  let harness: Harness;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    harness = await startHarness({ limits: { maxConnectionsPerUser: 3, maxPendingConnectionsPerUser: 2 } });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await harness.close();
  });

  it('[F5] refuses a negotiate past the opening and open caps with 429 and a sentence, per person, and counts it', async () => {
    const first = await negotiateToken(harness, 'alice');
    const second = await negotiateToken(harness, 'alice');
    const third = await negotiate(harness, { user: 'alice' });
    expect(third.status).toBe(429);
    expect(third.text).toMatch(/too many connections being opened for this person \(at most 2 at once\)/i);
    // Someone else is not affected.
    expect((await negotiate(harness, { user: 'bob' })).status).toBe(200);

    // Once through the handshake they no longer count as opening, but still as open.
    sockets.push(await connectRawSocket(harness, { user: 'alice', token: first.token }));
    sockets.push(await connectRawSocket(harness, { user: 'alice', token: second.token }));
    sockets.push(await connectRawSocket(harness, { user: 'alice' }));
    const fourth = await negotiate(harness, { user: 'alice' });
    expect(fourth.status).toBe(429);
    expect(fourth.text).toMatch(/too many connections for this person \(at most 3\)/i);
    // Skipping negotiate (a direct WebSocket) is held to the same caps.
    expect(
      await upgradeStatus(rawSocketUrl(harness, undefined), {
        headers: { Authorization: `Bearer ${tokenFor('alice')}` },
      }),
    ).toBe(429);

    expect(harness.signalr.stats().limited).toMatchObject({ pendingPerUser: 1, connectionsPerUser: 2 });
    // Closing one makes room again.
    sockets.shift()?.close();
    await expect
      .poll(async () => (await negotiate(harness, { user: 'alice' })).status, { timeout: 5_000 })
      .toBe(200);
  });
});

describe('invocation rates (issue 21 point 1)', () => {
  it('[F3] a connection past its burst waits its turn at its rate; nothing is refused, order is kept', async () => {
    const local = await startHarness({
      limits: {
        invocationsPerSecond: 20,
        invocationBurst: 5,
        userInvocationsPerSecond: 1e6,
        userInvocationBurst: 1e6,
      },
    });
    try {
      const socket = await connectRawSocket(local, { user: 'alice' });
      const started = performance.now();
      invokeEach(socket, 'a', 25);
      expect(await socket.completion('a24', 10_000)).toEqual({ type: 3, invocationId: 'a24', result: 48 });
      // 5 at once, then 20 more at 20 per second: at least a second (a lower bound, safe under load).
      expect(performance.now() - started).toBeGreaterThanOrEqual(900);
      const ids = socket.messages().map((r) => (r as { invocationId?: string }).invocationId);
      expect(ids).toEqual(Array.from({ length: 25 }, (_, n) => `a${n}`));
      expect(local.signalr.stats().limited.invocationsDelayed).toBeGreaterThan(0);
      socket.close();
    } finally {
      await local.close();
    }
  });

  it("[F4] one person's connections share one rate, and another person's calls do not wait behind it", async () => {
    const local = await startHarness({
      limits: {
        invocationsPerSecond: 1e6,
        invocationBurst: 1e6,
        userInvocationsPerSecond: 20,
        userInvocationBurst: 5,
      },
    });
    try {
      const [a1, a2, bob] = await Promise.all([
        connectRawSocket(local, { user: 'alice' }),
        connectRawSocket(local, { user: 'alice' }),
        connectRawSocket(local, { user: 'bob' }),
      ]);
      const started = performance.now();
      invokeEach(a1, 'x', 15);
      invokeEach(a2, 'y', 15);
      await new Promise((resolve) => setTimeout(resolve, 100));
      invokeEach(bob, 'b', 1);
      await bob.completion('b0');
      const bobDone = performance.now();
      await Promise.all([a1.completion('x14', 10_000), a2.completion('y14', 10_000)]);
      // 30 calls, 5 at once and 20 per second for the person: more than a second however many sockets.
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(bobDone).toBeLessThan(performance.now() - 200);
      for (const s of [a1, a2, bob]) s.close();
    } finally {
      await local.close();
    }
  });
});

describe('the relay counts limits in /metrics (issue 21 point 9)', () => {
  it('[F5] a refused negotiate shows in wardline_hub_limited_total', async () => {
    const relay = await startTestRelay({ HUB_MAX_OPENING_PER_PERSON: '1' });
    try {
      const token = await devToken(relay.url, 'nurse-okafor');
      const open = () =>
        fetch(`${relay.url}/hubs/worklist/negotiate?negotiateVersion=1`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
        });
      expect((await open()).status).toBe(200);
      const refused = await open();
      expect(refused.status).toBe(429);
      expect(await refused.text()).toMatch(/at most 1 at once/);
      const metrics = await (await fetch(`${relay.url}/metrics`)).text();
      expect(metrics).toMatch(/^wardline_hub_limited_total\{limit="pendingPerUser"\} 1$/m);
      expect(metrics).toMatch(/^wardline_hub_limited_total\{limit="connectionsPerUser"\} 0$/m);
    } finally {
      await relay.stop();
    }
  });
});
