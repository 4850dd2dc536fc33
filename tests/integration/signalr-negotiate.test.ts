/**
 * Negotiate, authentication, token ownership and expiry, CORS and the WebSocket Origin check, driven
 * with fetch and a raw `ws` client.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_ORIGIN, eventually, startHarness, tokenFor, type Harness } from '../helpers/signalr-harness';
import {
  RS,
  connectRawSocket,
  jsonRecord,
  negotiate,
  negotiateToken,
  openRawSocket,
  rawSocketUrl,
  upgradeStatus,
} from '../helpers/signalr-raw';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ limits: { negotiateTtlMs: 400 } });
});

afterAll(async () => {
  await harness.close();
});

describe('negotiate', () => {
  it('answers version 1 with a public id, a separate URL-safe secret token and the transports in order', async () => {
    const result = await negotiate(harness);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expect(result.headers.get('cache-control')).toBe('no-store');
    const body = result.body as Record<string, unknown>;
    expect(body.negotiateVersion).toBe(1);
    expect(typeof body.connectionId).toBe('string');
    expect(body.connectionToken).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(body.connectionToken).not.toBe(body.connectionId);
    expect(body.availableTransports).toEqual([
      { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
      { transport: 'ServerSentEvents', transferFormats: ['Text'] },
      { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
    ]);
    // Never volunteered: a client that did not ask refuses the connection when it sees `true`.
    expect(body).not.toHaveProperty('useStatefulReconnect');
  });

  it('hands out a different id and token every time', async () => {
    const [a, b] = await Promise.all([negotiate(harness), negotiate(harness)]);
    expect(a.body?.connectionId).not.toBe(b.body?.connectionId);
    expect(a.body?.connectionToken).not.toBe(b.body?.connectionToken);
  });

  it('declines stateful reconnect only when asked', async () => {
    const result = await negotiate(harness, { query: 'negotiateVersion=1&useStatefulReconnect=true' });
    expect(result.body?.useStatefulReconnect).toBe(false);
  });

  it.each([
    ['no version (0) below the minimum', '', /requested version '0'/],
    ['an invalid version', 'negotiateVersion=abc', /invalid protocol version 'abc'/],
  ])('answers %s with an error the client shows', async (_name, query, message) => {
    const result = await negotiate(harness, { query });
    expect(result.status).toBe(200);
    expect(String(result.body?.error)).toMatch(message);
    expect(result.body).not.toHaveProperty('connectionToken');
  });

  it('answers a newer version with its own highest, 1', async () => {
    const result = await negotiate(harness, { query: 'negotiateVersion=7' });
    expect(result.body?.negotiateVersion).toBe(1);
  });

  it.each([
    ['no token', { user: null }, 401],
    ['a bad token', { token: 'garbage' }, 401],
    ['a refused principal', { token: 'forbidden:zed' }, 403],
  ] as const)('refuses %s', async (_name, options, status) => {
    const result = await negotiate(harness, options);
    expect(result.status).toBe(status);
    expect(result.body).toBeUndefined();
    if (status === 401) expect(result.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('only accepts POST', async () => {
    const res = await fetch(`${harness.hubUrl}/negotiate?negotiateVersion=1`, {
      headers: { Authorization: `Bearer ${tokenFor('alice')}` },
    });
    expect(res.status).toBe(405);
  });

  it('leaves other URLs alone', async () => {
    const res = await fetch(`${harness.origin}/hubs/testing/negotiate`, { method: 'POST' });
    expect(res.status).toBe(404);
  });

  it('serves version 0 when configured, with the connection id as the token', async () => {
    const legacy = await startHarness({ minNegotiateVersion: 0 });
    try {
      const result = await negotiate(legacy, { query: '' });
      expect(result.body?.negotiateVersion).toBe(0);
      expect(result.body).not.toHaveProperty('connectionToken');
      const socket = await connectRawSocket(legacy, { token: String(result.body?.connectionId) });
      socket.invoke('1', 'add', [1, 2]);
      expect(await socket.completion('1')).toEqual({ type: 3, invocationId: '1', result: 3 });
      socket.close();
    } finally {
      await legacy.close();
    }
  });

  it('offers the configured transports in the configured order only', async () => {
    const custom = await startHarness({ transports: ['LongPolling', 'WebSockets'] });
    try {
      const result = await negotiate(custom);
      expect(result.body?.availableTransports).toEqual([
        { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
        { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
      ]);
      const { token } = await negotiateToken(custom);
      const sse = await fetch(`${custom.hubUrl}?id=${token}`, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${tokenFor('alice')}` },
      });
      expect(sse.status).toBe(404);
    } finally {
      await custom.close();
    }
  });
});

describe('connection tokens', () => {
  it('expire when no transport uses them in time', async () => {
    const { token } = await negotiateToken(harness);
    expect(harness.signalr.stats().pending).toBeGreaterThan(0);
    await delay(900);
    expect(
      await upgradeStatus(rawSocketUrl(harness, token), {
        headers: { Authorization: `Bearer ${tokenFor('alice')}` },
      }),
    ).toBe(404);
    const poll = await fetch(`${harness.hubUrl}?id=${token}`, {
      headers: { Authorization: `Bearer ${tokenFor('alice')}` },
    });
    expect(poll.status).toBe(404);
    await eventually(() => harness.signalr.stats().pending === 0, 2_000, 'expired tokens to be forgotten');
  });

  it('used in time keep working past the negotiate TTL', async () => {
    const socket = await connectRawSocket(harness);
    await delay(700);
    socket.invoke('1', 'add', [2, 3]);
    expect(await socket.completion('1')).toMatchObject({ result: 5 });
    socket.close();
  });

  it("of another user's connection get 404 and do not disturb the owner", async () => {
    const negotiated = await negotiateToken(harness, 'alice');
    const owner = await openRawSocket(harness, { token: negotiated.token, user: 'alice' });
    await owner.handshake();
    const url = `${harness.hubUrl}?id=${negotiated.token}`;
    const asMallory = { Authorization: `Bearer ${tokenFor('mallory')}` };

    expect(await upgradeStatus(rawSocketUrl(harness, negotiated.token), { headers: asMallory })).toBe(404);
    expect((await fetch(url, { headers: asMallory })).status).toBe(404);
    expect((await fetch(url, { headers: { ...asMallory, Accept: 'text/event-stream' } })).status).toBe(404);
    expect(
      (await fetch(url, { method: 'POST', headers: asMallory, body: jsonRecord({ type: 7 }) })).status,
    ).toBe(404);
    expect((await fetch(url, { method: 'DELETE', headers: asMallory })).status).toBe(404);
    // Without any token it is 401, before the token is even looked at.
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(401);
    // The owner's own second WebSocket is a conflict, not a takeover.
    expect(
      await upgradeStatus(rawSocketUrl(harness, negotiated.token), {
        headers: { Authorization: `Bearer ${tokenFor('alice')}` },
      }),
    ).toBe(409);

    owner.invoke('1', 'whoAmI', []);
    expect((await owner.completion('1')).result).toMatchObject({
      userId: 'alice',
      connectionId: negotiated.id,
    });
    expect(harness.signalr.connection(negotiated.id)?.userId).toBe('alice');
    expect(harness.logs.some((l) => l.msg.includes('another user') && l.connectionId === negotiated.id)).toBe(
      true,
    );
    owner.close();
  });

  it('are re-checked on every long-polling request, accepting a refreshed token of the same user', async () => {
    // The official client calls accessTokenFactory only for negotiate (and after a 401), so this is raw.
    const { token } = await negotiateToken(harness, 'alice');
    const url = `${harness.hubUrl}?id=${token}`;
    const as = (bearer: string) => ({ Authorization: `Bearer ${bearer}` });
    expect((await fetch(url, { headers: as('user:alice#2') })).status).toBe(200);
    const handshake = await fetch(url, {
      method: 'POST',
      headers: as('user:alice#3'),
      body: jsonRecord({ protocol: 'json', version: 1 }),
    });
    expect(handshake.status).toBe(200);
    expect(
      (await fetch(url, { method: 'POST', headers: as('user:mallory'), body: jsonRecord({ type: 7 }) }))
        .status,
    ).toBe(404);
    expect((await fetch(url, { method: 'POST', headers: as('expired') })).status).toBe(401);
    const poll = await fetch(url, { headers: as('user:alice#4') });
    expect(await poll.text()).toBe('{}\x1e');
    // Mallory's Close above was not applied: the connection is still alice's and live.
    expect(
      [...harness.signalr.connections()].filter((c) => c.userId === 'alice' && c.transport === 'LongPolling'),
    ).toHaveLength(1);
    expect((await fetch(url, { method: 'DELETE', headers: as('user:alice#5') })).status).toBe(202);
  });

  it('require an id on transport requests', async () => {
    const headers = { Authorization: `Bearer ${tokenFor('alice')}` };
    expect((await fetch(harness.hubUrl, { headers })).status).toBe(400);
    expect((await fetch(`${harness.hubUrl}?id=nope`, { headers })).status).toBe(404);
    expect((await fetch(`${harness.hubUrl}?id=nope`, { method: 'PUT', headers })).status).toBe(405);
  });

  it('accept the bearer token from access_token and never log it', async () => {
    const secretUser = 'q7-secret-subject';
    const socket = await connectRawSocket(harness, { user: secretUser, tokenInQuery: true });
    socket.invoke('1', 'whoAmI', []);
    expect((await socket.completion('1')).result).toMatchObject({ userId: secretUser });
    const { token } = await negotiateToken(harness, secretUser);
    const sse = await fetch(
      `${harness.hubUrl}?id=${token}&access_token=${encodeURIComponent(tokenFor(secretUser))}`,
      {
        headers: { Accept: 'text/event-stream' },
      },
    );
    expect(sse.status).toBe(200);
    await sse.body?.cancel();
    socket.close();
    await delay(50);
    expect(harness.logText()).not.toContain(tokenFor(secretUser));
    expect(harness.logText()).not.toContain(token);
  });
});

describe('Server-Sent Events', () => {
  it('opens the stream at once with the headers EventSource and proxies need', async () => {
    const { token } = await negotiateToken(harness);
    const res = await fetch(`${harness.hubUrl}?id=${token}`, {
      headers: { Accept: 'text/event-stream', Authorization: `Bearer ${tokenFor('alice')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache, no-store');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(':\r\n');

    // A second stream for the same connection is a conflict.
    const again = await fetch(`${harness.hubUrl}?id=${token}`, {
      headers: { Accept: 'text/event-stream', Authorization: `Bearer ${tokenFor('alice')}` },
    });
    expect(again.status).toBe(409);

    // The handshake arrives by POST; MessagePack is refused because SSE carries text only.
    const post = await fetch(`${harness.hubUrl}?id=${token}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenFor('alice')}` },
      body: jsonRecord({ protocol: 'messagepack', version: 1 }),
    });
    expect(post.status).toBe(200);
    const answer = new TextDecoder().decode((await reader.read()).value);
    expect(
      answer.startsWith(`data: {"error":"Cannot use the 'messagepack' protocol on the current transport.`),
    ).toBe(true);
    expect(answer.endsWith(`"}${RS}\r\n\r\n`)).toBe(true);
    const end = await reader.read();
    expect(end.done).toBe(true);
  });
});

describe('CORS', () => {
  const preflightHeaders = {
    Origin: ALLOWED_ORIGIN,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'authorization,x-requested-with,x-signalr-user-agent',
  };

  it('answers an allowed preflight with the exact origin, credentials and the requested headers', async () => {
    const res = await fetch(`${harness.hubUrl}/negotiate?negotiateVersion=1`, {
      method: 'OPTIONS',
      headers: preflightHeaders,
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'authorization,x-requested-with,x-signalr-user-agent',
    );
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
  });

  it('refuses a preflight and requests from other origins', async () => {
    const preflight = await fetch(`${harness.hubUrl}/negotiate`, {
      method: 'OPTIONS',
      headers: { ...preflightHeaders, Origin: 'https://evil.example.com' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const request = await negotiate(harness, { headers: { Origin: 'https://evil.example.com' } });
    expect(request.status).toBe(403);
  });

  it('echoes the allowed origin on real requests', async () => {
    const result = await negotiate(harness, { headers: { Origin: ALLOWED_ORIGIN } });
    expect(result.status).toBe(200);
    expect(result.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(result.headers.get('access-control-allow-credentials')).toBe('true');
    expect(result.headers.get('vary')).toBe('Origin');
  });

  it('checks Origin on WebSocket upgrades: allowed, same host and absent pass; others get 403', async () => {
    const statusFor = async (origin: string | undefined): Promise<number> => {
      const { token } = await negotiateToken(harness);
      return upgradeStatus(rawSocketUrl(harness, token), {
        headers: { Authorization: `Bearer ${tokenFor('alice')}` },
        ...(origin ? { origin } : {}),
      });
    };
    expect(await statusFor('https://evil.example.com')).toBe(403);
    expect(await statusFor('null')).toBe(403);
    expect(await statusFor(ALLOWED_ORIGIN)).toBe(101);
    expect(await statusFor(harness.origin)).toBe(101);
    expect(await statusFor(undefined)).toBe(101);
  });

  it('refuses an upgrade without a valid token with 401', async () => {
    const { token } = await negotiateToken(harness);
    expect(await upgradeStatus(rawSocketUrl(harness, token))).toBe(401);
    expect(await upgradeStatus(rawSocketUrl(harness, token, 'forbidden:alice'))).toBe(403);
  });
});

describe('skipNegotiation', () => {
  it('connects a WebSocket straight to the hub URL', async () => {
    const socket = await connectRawSocket(harness, { token: '' });
    socket.invoke('1', 'whoAmI', []);
    const { result } = await socket.completion('1');
    expect(result).toMatchObject({ userId: 'alice', transport: 'WebSockets' });
    socket.close();
  });
});
