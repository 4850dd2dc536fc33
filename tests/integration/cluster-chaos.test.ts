/**
 * The cluster's chaos acceptance, scaled for CI (docs/CLUSTER.md; `npm run bench:cluster -- --chaos`
 * runs the longer variant): three relays behind HAProxy, official clients over WebSockets, SSE and long
 * polling with JSON and MessagePack, inbound events and staff actions, while one relay is SIGKILLed and
 * restarted twice and another is frozen (SIGSTOP) for 20 s.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster';
import { CHAOS_RELAY_ENV, runChaos, type ChaosReport } from '../helpers/chaos';
import { eventually } from '../helpers/hub-client';
import { settleHandshakeRejectionsOfEveryClient } from '../helpers/official-client';
import { testDatabase, type TestDatabase } from '../helpers/postgres';

/**
 * Scaled for CI: 200 clients, 2,000 events, 300 actions took 165 s here at load average ~7 (the load
 * phase ~120 s). On a machine loaded far beyond its cores, lower it (CHAOS_CLIENTS=60 CHAOS_EVENTS=300
 * CHAOS_ACTIONS=60 passed at load 25–30); `npm run bench:cluster -- --chaos` is the long variant.
 */
const SCALE = {
  clients: Number(process.env.CHAOS_CLIENTS ?? 200),
  events: Number(process.env.CHAOS_EVENTS ?? 2_000),
  actions: Number(process.env.CHAOS_ACTIONS ?? 300),
};

describe('a cluster under chaos', () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let report: ChaosReport;
  let endSettling: (() => void) | undefined;

  beforeAll(async () => {
    // A frozen relay answers its SSE and long-polling clients' reconnect handshakes "not received in
    // time" while their handshake POSTs are still out; the official client then leaks an unhandled
    // rejection although its reconnect loop handles the same error and tries again (the run did). See
    // tests/helpers/official-client.ts: the error still reaches the reconnect loop, nothing escapes.
    endSettling = settleHandshakeRejectionsOfEveryClient();
    db = await testDatabase(inject('postgresUrl'));
    cluster = await startCluster({ databaseUrl: db.url, relays: 3, env: CHAOS_RELAY_ENV });
    report = await runChaos(cluster, db.url, {
      clients: SCALE.clients,
      events: SCALE.events,
      actions: SCALE.actions,
      durationMs: 60_000,
      log: (line) => console.log(`chaos: ${line}`),
      faults: [
        { atMs: 10_000, relay: 'relay-b', fault: 'kill', forMs: 3_000 },
        { atMs: 20_000, relay: 'relay-c', fault: 'freeze', forMs: 20_000 },
        { atMs: 45_000, relay: 'relay-a', fault: 'kill', forMs: 3_000 },
      ],
    });
    await Promise.all(cluster.relays.map((r) => cluster.haproxy.waitFor(r.id, 'UP', 60_000)));
  }, 600_000);

  afterAll(async () => {
    await report?.stop();
    await cluster?.stop();
    await db?.drop();
    endSettling?.();
  }, 120_000);

  it('[C6][ST1] the changes log is contiguous: every seq once, none missing', async () => {
    const seqs = await report.changeSeqs();
    expect(seqs.length).toBeGreaterThan(report.eventsSent / 2);
    expect(seqs.every((seq, i) => seq === i + 1)).toBe(true);
  });

  it("[C6] every relay's tail is contiguous: no relay, in any of its lives, skipped a seq", () => {
    for (const relay of cluster.relays) {
      expect(relay.output(), relay.id).toContain('relay listening');
      expect(relay.output(), relay.id).not.toContain('change tail skipped');
    }
  });

  it("[C6][H8] every client's worklist equals a replay of the changes log for that person", async () => {
    // Some clients were on killed or frozen relays: they reconnected and caught up (H8), the others
    // heard every change through their own relay's fan-out.
    expect(report.reconnects).toBeGreaterThan(0);
    const expected = await report.replay();
    const differing = await eventually(() => {
      const wrong = report.clients.filter((c) => c.mirror.checksum() !== expected.get(c.staffId));
      return wrong.length === 0 ? [] : false;
    }, 60_000).catch(() => report.clients.filter((c) => c.mirror.checksum() !== expected.get(c.staffId)));
    expect(differing.map((c) => c.label)).toEqual([]);
  }, 120_000);

  it('[C6][H7] each commandId was answered once, and its repeat is a duplicate with the first answer', async () => {
    expect(report.answers.size).toBe(SCALE.actions);
    expect(await report.commandRows()).toBe(report.answers.size);
    for (const [commandId, { client, taskId, type, payload, result }] of report.answers) {
      const again = await client.execute(taskId, type, payload, commandId);
      if (again.status !== 'duplicate') throw new Error(`${commandId} answered ${again.status} twice`);
      // The first answer may itself be a duplicate: an attempt committed but its answer was lost.
      const first = result.status === 'duplicate' ? result.original : result.status;
      expect(again.original).toBe(first);
    }
  }, 120_000);
});
