/**
 * The official @microsoft/signalr client, unchanged, against the protocol library over every
 * transport × hub protocol pair the client can use (SSE is text-only, so never MessagePack).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { HubConnectionState, type HubConnection } from '@microsoft/signalr';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsonProtocol } from '../../server/src/signalr/protocols/json';
import { messagePackProtocol } from '../../server/src/signalr/protocols/msgpack';
import {
  buildClient,
  connectClient,
  eventually,
  nextCall,
  startHarness,
  type Harness,
  type ProtocolChoice,
  type TransportChoice,
} from '../helpers/signalr-harness';

const COMBINATIONS: Array<[TransportChoice, ProtocolChoice]> = [
  ['WebSockets', 'json'],
  ['WebSockets', 'messagepack'],
  ['ServerSentEvents', 'json'],
  ['LongPolling', 'json'],
  ['LongPolling', 'messagepack'],
];

let harness: Harness;
const open: HubConnection[] = [];

async function client(options: Parameters<typeof connectClient>[1]): Promise<HubConnection> {
  const connection = await connectClient(harness, options);
  open.push(connection);
  return connection;
}

beforeAll(async () => {
  harness = await startHarness();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await harness.close();
});

describe.each(COMBINATIONS)('official client over %s with %s', (transport, protocol) => {
  it('connects with a token and invokes hub methods', async () => {
    const connection = await client({ user: 'alice', transport, protocol });
    expect(connection.state).toBe(HubConnectionState.Connected);

    await expect(
      connection.invoke('echo', { text: 'hé ✓', n: [1, 2, 3], nested: { ok: true } }),
    ).resolves.toEqual({
      text: 'hé ✓',
      n: [1, 2, 3],
      nested: { ok: true },
    });
    await expect(connection.invoke('add', 2, 40)).resolves.toBe(42);
    // Method names match case-insensitively, as in ASP.NET.
    await expect(connection.invoke('ADD', 1, 1)).resolves.toBe(2);
    // A void method completes without a result.
    await expect(connection.invoke('nothing')).resolves.toBeUndefined();
    await expect(connection.invoke('whoAmI')).resolves.toEqual({
      userId: 'alice',
      connectionId: connection.connectionId,
      transport,
      protocol,
    });
  });

  it('keeps the order of many parallel invocations, batched by the client', async () => {
    const connection = await client({ user: 'alice', transport, protocol });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => connection.invoke('echo', i)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('delivers a group broadcast to members only', async () => {
    const group = `ward-${transport}-${protocol}`;
    const sender = await client({ user: 'alice', transport, protocol });
    const member = await client({ user: 'bob', transport, protocol });
    const outsider = await client({ user: 'carol', transport, protocol });
    await sender.invoke('joinGroup', group);
    await member.invoke('joinGroup', group);
    const outsiderCalls: unknown[][] = [];
    outsider.on('groupMessage', (...args: unknown[]) => outsiderCalls.push(args));

    const received = nextCall(member, 'groupMessage');
    await expect(sender.invoke('sendToGroup', group, { seq: 7 })).resolves.toBe(2);
    expect(await received).toEqual([{ seq: 7 }]);
    // Give the outsider as long again to (wrongly) receive it.
    await delay(300);
    expect(outsiderCalls).toEqual([]);

    await member.invoke('leaveGroup', group);
    await expect(sender.invoke('sendToGroup', group, { seq: 8 })).resolves.toBe(1);
  });

  it('receives a burst of server calls, coalesced into few frames, complete and in order', async () => {
    const connection = await client({ user: 'alice', transport, protocol });
    const received: number[] = [];
    connection.on('burst', (n: number) => received.push(n));
    for (let n = 0; n < 20; n++)
      harness.signalr.sendToConnection(connection.connectionId as string, 'burst', n);
    await eventually(() => received.length === 20, 3_000, 'the burst');
    expect(received).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('reaches every connection of a user', async () => {
    const a = await client({ user: 'dave', transport, protocol });
    const b = await client({ user: 'dave', transport: 'WebSockets', protocol: 'json' });
    const sender = await client({ user: 'erin', transport, protocol });
    const both = Promise.all([nextCall(a, 'userMessage'), nextCall(b, 'userMessage')]);
    await expect(sender.invoke('sendToUser', 'dave', 'hello')).resolves.toBe(2);
    expect(await both).toEqual([['hello'], ['hello']]);
  });

  it('turns errors into completions without leaking details', async () => {
    const connection = await client({ user: 'alice', transport, protocol });
    const plain = await connection.invoke('throwPlain').catch((err: Error) => err);
    expect(plain).toBeInstanceOf(Error);
    expect((plain as Error).message).toBe(
      "An unexpected error occurred invoking 'throwPlain' on the server.",
    );
    await expect(connection.invoke('throwSafe')).rejects.toThrow(/^That task was claimed by someone else\.$/);
    await expect(connection.invoke('nope', 1)).rejects.toThrow("Unknown hub method 'nope'");
    await expect(connection.invoke('echo')).rejects.toThrow('echo takes 1 argument, got 0.');
    await expect(connection.invoke('add', 'x', 1)).rejects.toThrow('Expected a number.');
    // Still usable afterwards.
    await expect(connection.invoke('add', 1, 2)).resolves.toBe(3);
  });

  it('answers a stream invocation with an error and stays connected', async () => {
    const connection = await client({ user: 'alice', transport, protocol });
    const error = await new Promise<Error>((resolve, reject) => {
      connection.stream('echo', 1).subscribe({
        next: () => reject(new Error('item')),
        complete: () => reject(new Error('complete')),
        error: resolve,
      });
    });
    expect(error.message).toMatch(/not supported/);
    await expect(connection.invoke('add', 1, 2)).resolves.toBe(3);
  });

  it('reconnects automatically after the server closes with allowReconnect', async () => {
    const connection = await client({ user: 'alice', transport, protocol, reconnectDelaysMs: [0, 100, 500] });
    const firstId = connection.connectionId;
    expect(firstId).toBeTruthy();
    const reconnecting = new Promise<Error | undefined>((resolve) => connection.onreconnecting(resolve));
    const reconnected = new Promise<string | undefined>((resolve) => connection.onreconnected(resolve));

    expect(
      harness.signalr.closeConnection(firstId as string, {
        error: 'Relay restarting.',
        allowReconnect: true,
      }),
    ).toBe(true);
    expect((await reconnecting)?.message).toContain('Relay restarting.');
    const secondId = await reconnected;
    expect(secondId).toBeTruthy();
    expect(secondId).not.toBe(firstId);
    expect(harness.signalr.connection(firstId as string)).toBeUndefined();
    await expect(connection.invoke('add', 20, 22)).resolves.toBe(42);
  });

  it('stops for good after a Close without allowReconnect', async () => {
    const connection = await client({ user: 'alice', transport, protocol, reconnectDelaysMs: [0] });
    const closed = new Promise<Error | undefined>((resolve) => connection.onclose(resolve));
    let reconnecting = false;
    connection.onreconnecting(() => (reconnecting = true));
    harness.signalr.closeConnection(connection.connectionId as string, { error: 'Signed out elsewhere.' });
    expect((await closed)?.message).toBe('Server returned an error on close: Signed out elsewhere.');
    expect(reconnecting).toBe(false);
    expect(connection.state).toBe(HubConnectionState.Disconnected);
  });

  it('frees the server side when the client stops', async () => {
    const connection = await client({ user: 'frank', transport, protocol });
    const id = connection.connectionId as string;
    expect(harness.signalr.connection(id)?.userId).toBe('frank');
    await connection.stop();
    await eventually(
      () => harness.signalr.connection(id) === undefined,
      3_000,
      'server to drop the connection',
    );
  });
});

describe('fan-out', () => {
  it('serializes a broadcast once per hub protocol and reaches every transport', async () => {
    const clients = await Promise.all(
      COMBINATIONS.map(([transport, protocol], i) => client({ user: `fan${i}`, transport, protocol })),
    );
    const received = clients.map((c) => nextCall(c, 'taskChanged'));
    const encodeJson = vi.spyOn(jsonProtocol, 'encode');
    const encodeMsgpack = vi.spyOn(messagePackProtocol, 'encode');
    try {
      const sent = harness.signalr.sendWhere((c) => c.userId.startsWith('fan'), 'taskChanged', {
        id: 't1',
        seq: 9,
      });
      expect(sent).toBe(COMBINATIONS.length);
      expect(encodeJson).toHaveBeenCalledTimes(1);
      expect(encodeMsgpack).toHaveBeenCalledTimes(1);
    } finally {
      encodeJson.mockRestore();
      encodeMsgpack.mockRestore();
    }
    expect(await Promise.all(received)).toEqual(clients.map(() => [{ id: 't1', seq: 9 }]));
  });

  it('sends only where the predicate on the principal holds', async () => {
    const [alice, bob] = await Promise.all([
      client({ user: 'pred-alice', transport: 'WebSockets', protocol: 'messagepack' }),
      client({ user: 'pred-bob', transport: 'LongPolling', protocol: 'json' }),
    ]);
    const bobCalls: unknown[][] = [];
    bob.on('alert', (...args: unknown[]) => bobCalls.push(args));
    const aliceCall = nextCall(alice, 'alert');
    expect(harness.signalr.sendWhere((c) => c.caller.name === 'Test pred-alice', 'alert', 'escalated')).toBe(
      1,
    );
    expect(await aliceCall).toEqual(['escalated']);
    await delay(200);
    expect(bobCalls).toEqual([]);
    expect(harness.signalr.sendToConnection('no-such-id', 'alert', 1)).toBe(0);
    expect(harness.signalr.sendToGroup('no-such-group', 'alert', 1)).toBe(0);
    expect(harness.signalr.addToGroup('no-such-id', 'g')).toBe(false);
  });
});

describe('official client and keep-alive', () => {
  it('stays connected on a quiet connection because the server pings', async () => {
    const quiet = await startHarness({ limits: { keepAliveIntervalMs: 100, clientTimeoutMs: 1_500 } });
    try {
      const connection = await connectClient(quiet, {
        user: 'alice',
        transport: 'WebSockets',
        // Far below the default: without server pings the client would give up within a second.
        serverTimeoutMs: 1_000,
        keepAliveIntervalMs: 100,
      });
      let closedWith: Error | undefined | 'open' = 'open';
      connection.onclose((err) => (closedWith = err));
      await delay(2_500);
      expect(closedWith).toBe('open');
      expect(connection.state).toBe(HubConnectionState.Connected);
      await expect(connection.invoke('add', 1, 1)).resolves.toBe(2);
      await connection.stop();
    } finally {
      await quiet.close();
    }
  });
});

describe('server shutdown', () => {
  it('sends Close with allowReconnect to every client and ends every transport', async () => {
    const local = await startHarness();
    const clients = await Promise.all(
      COMBINATIONS.map(([transport, protocol]) =>
        connectClient(local, { user: 'alice', transport, protocol, reconnectDelaysMs: [60_000] }),
      ),
    );
    const reconnecting = clients.map(
      (c) => new Promise<Error | undefined>((resolve) => c.onreconnecting(resolve)),
    );
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(4_000);
    const reasons = await Promise.all(reconnecting);
    expect(reasons).toHaveLength(COMBINATIONS.length);
    expect(local.signalr.stats()).toMatchObject({
      connections: 0,
      pending: 0,
      bufferedBytes: 0,
      largestBufferedBytes: 0,
    });
    await Promise.all(clients.map((c) => c.stop()));
  });

  it('refuses to negotiate once closed', async () => {
    const local = await startHarness();
    await local.signalr.close();
    const connection = buildClient(local, { user: 'alice', transport: 'WebSockets' });
    await expect(connection.start()).rejects.toThrow(/503/);
    await local.close();
  });
});
