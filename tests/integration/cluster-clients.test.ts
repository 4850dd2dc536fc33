/**
 * Clients move between relays (docs/CLUSTER.md C2–C5, HUB.md H8, SYNC.md S5): three relay processes on
 * one PostgreSQL behind a real HAProxy; the official client over every transport and both protocols.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { routed } from '../helpers/events';
import { startCluster, type Cluster } from '../helpers/cluster';
import { freePort } from '../helpers/haproxy';
import {
  connectAs,
  eventually,
  Mirror,
  type ProtocolChoice,
  type TransportChoice,
} from '../helpers/hub-client';
import { testDatabase, type TestDatabase } from '../helpers/postgres';
import { devToken, postEvents } from '../helpers/relay';

const COMBOS: Array<[TransportChoice, ProtocolChoice]> = [
  ['WebSockets', 'json'],
  ['WebSockets', 'messagepack'],
  ['ServerSentEvents', 'json'],
  ['LongPolling', 'json'],
  ['LongPolling', 'messagepack'],
];

describe('clients of a cluster behind HAProxy', () => {
  let db: TestDatabase;
  let cluster: Cluster;

  beforeAll(async () => {
    db = await testDatabase(inject('postgresUrl'));
    cluster = await startCluster({ databaseUrl: db.url, relays: 3 });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await db?.drop();
  }, 60_000);

  /** Which relay holds a connection: the one whose log announced its connection id. */
  function relayOf(connectionId: string | null): string | undefined {
    if (!connectionId) return undefined;
    return cluster.relays.find((r) => r.running && r.output().includes(`"connectionId":"${connectionId}"`))
      ?.id;
  }

  it('[C2] a development token from one relay is accepted by every relay of the cluster', async () => {
    const token = await devToken(cluster.url, 'nurse-okafor');
    for (const relay of cluster.relays) {
      const res = await fetch(`${relay.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, relay.id).toBe(200);
    }
    // The issuer is the address people use, whichever relay signed it.
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
      iss: string;
    };
    expect(payload.iss).toBe(`${cluster.url}/dev`);
  });

  it('[C4] the official client works through HAProxy over every transport and both protocols', async () => {
    const ingest = await devToken(cluster.url, 'integration-engine');
    expect((await postEvents(cluster.url, ingest, [routed('cl-c4-1', 1)])).status).toBe(202);
    for (const [transport, protocol] of COMBOS) {
      const client = await connectAs(cluster.url, 'nurse-okafor', { transport, protocol });
      try {
        const mirror = new Mirror(client);
        await mirror.catchUp();
        expect(mirror.tasks.has('cl-c4-1'), `${transport}/${protocol}`).toBe(true);
        // Many requests after negotiate (polls, sends): each must reach the relay that holds the connection.
        for (let i = 0; i < 5; i++) await client.sync(mirror.cursor);
        const result = await client.execute('cl-c4-1', 'comment', { text: `via ${transport}` });
        expect(result.status, `${transport}/${protocol}`).toBe('applied');
      } finally {
        await client.stop();
      }
    }
  });

  it('[C5][H8] killing the relay a client is on: it reconnects through HAProxy to another relay and catches up from its cursor', async () => {
    const ingest = await devToken(cluster.url, 'integration-engine');
    expect((await postEvents(cluster.url, ingest, [routed('cl-c5-1', 1)])).status).toBe(202);
    const victim = cluster.relays[0]!;
    // One client per transport and protocol on the relay about to die (round robin spreads negotiates).
    const onVictim: Array<{ mirror: Mirror; label: string; reconnected: () => boolean }> = [];
    const others: Array<{ stop: () => Promise<void> }> = [];
    for (const [transport, protocol] of COMBOS) {
      for (let attempt = 0; attempt < 12; attempt++) {
        const client = await connectAs(cluster.url, 'nurse-okafor', {
          transport,
          protocol,
          reconnectDelays: [200, 500, 1000],
        });
        const holder = await eventually(() => relayOf(client.connection.connectionId));
        if (holder !== victim.id) {
          others.push(client);
          continue;
        }
        const mirror = new Mirror(client);
        await mirror.catchUp();
        let reconnected = false;
        client.connection.onreconnected(() => (reconnected = true));
        onVictim.push({ mirror, label: `${transport}/${protocol}`, reconnected: () => reconnected });
        break;
      }
    }
    for (const c of others) await c.stop();
    expect(onVictim.map((c) => c.label)).toEqual(COMBOS.map(([t, p]) => `${t}/${p}`));

    await victim.kill();
    // While the clients are away, work goes on through the relays that are left.
    expect((await postEvents(cluster.url, ingest, [routed('cl-c5-2', 1), routed('cl-c5-1', 2)])).status).toBe(
      202,
    );
    const control = await connectAs(cluster.url, 'nurse-brightwater');
    const claimed = await control.execute('cl-c5-2', 'claim');
    expect(claimed.status).toBe('applied');
    const truth = new Mirror(control);
    await truth.catchUp();
    await control.stop();

    for (const client of onVictim) {
      await eventually(() => client.reconnected(), 30_000);
      await eventually(() => client.mirror.checksum() === truth.checksum(), 15_000);
      // Reconnected to a relay that is alive: never the dead one.
      const holder = relayOf(client.mirror.client.connection.connectionId);
      expect(holder, client.label).not.toBe(victim.id);
      expect(client.mirror.tasks.get('cl-c5-2')?.owner?.id, client.label).toBe('nurse-brightwater');
    }
    for (const client of onVictim) await client.mirror.client.stop();
    await victim.start();
    await cluster.haproxy.waitFor(victim.id, 'UP');
  }, 120_000);
});

describe('the balancer and a Service Bus outage', () => {
  it('[C7] a relay whose Service Bus is unreachable (/readyz 503, store open) stays in HAProxy and serves people', async () => {
    const db = await testDatabase(inject('postgresUrl'));
    // A loopback port nobody listens on: the receiver keeps retrying, the inbound check stays red.
    const deadBroker = await freePort();
    const cluster = await startCluster({
      databaseUrl: db.url,
      relays: 1,
      env: {
        SERVICEBUS_CONNECTION_STRING: `Endpoint=sb://127.0.0.1:${deadBroker};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
      },
    });
    try {
      const relay = cluster.relays[0]!;
      const ready = await fetch(`${relay.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ checks: { store: 'open', inbound: { connected: false } } });
      expect((await cluster.haproxy.servers()).map((s) => s.status)).toEqual(['UP']);
      const client = await connectAs(cluster.url, 'nurse-okafor', { transport: 'LongPolling' });
      expect((await client.sync(0)).complete).toBe(true);
      await client.stop();
    } finally {
      await cluster.stop();
      await db.drop();
    }
  }, 120_000);
});
