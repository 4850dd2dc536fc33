/**
 * One outbox publisher among several relays on one PostgreSQL (docs/STORE.md CL8): the holder of the
 * lease is SIGKILLed, another relay publishes within 10 s, and downstream holds every staff action once,
 * in order per task.
 */
import { ServiceBusClient } from '@azure/service-bus';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs } from '../helpers/hub-client';
import { testDatabase, type TestDatabase } from '../helpers/postgres';
import { spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';
import type { ServiceBusTestBroker } from '../helpers/sb-broker';
import {
  AUDIT,
  eventMessage,
  INBOUND_QUEUE,
  sendAll,
  serviceBusEnv,
  startOutboundBroker,
  storedEvents,
  until,
} from '../helpers/sb-broker/testing';

const TASKS = Array.from({ length: 8 }, (_, i) => `lease-${i}`);
const LEASE_TAKEN = 'outbox lease taken: this relay publishes the outbox';

describe('the outbox publisher among relays', () => {
  const dirs = [tempDir(), tempDir()];
  const children: ChildRelay[] = [];
  let broker: ServiceBusTestBroker;
  let db: TestDatabase;
  let sql: pg.Client;

  beforeAll(async () => {
    broker = await startOutboundBroker();
    db = await testDatabase(inject('postgresUrl'));
    sql = new pg.Client({ connectionString: db.url });
  });
  afterAll(async () => {
    for (const child of children) child.process.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await sql.end().catch(() => undefined);
    await broker.close();
    await db.drop();
    for (const dir of dirs) dir.remove();
  });

  async function start(i: number): Promise<ChildRelay> {
    const child = await spawnRelay(
      serviceBusEnv(broker, { DATA_DIR: dirs[i]!.path, DATABASE_URL: db.url, RELAY_ID: `relay-${i}` }),
    );
    children.push(child);
    return child;
  }

  const outbox = async () =>
    (
      await sql.query<{ id: number; task_id: string; body: string; published_at: string | null }>(
        'SELECT id, task_id, body, published_at FROM outbox ORDER BY id',
      )
    ).rows;

  it('[CL8] the holder is SIGKILLed: another relay publishes within 10 s, nothing lost or doubled downstream', async () => {
    const first = await start(0);
    await until(() => first.output().includes(LEASE_TAKEN), 20_000, 'the first relay to take the lease');
    const second = await start(1);
    await sql.connect();
    const client = new ServiceBusClient(broker.connectionString);
    await sendAll(
      client,
      INBOUND_QUEUE,
      TASKS.map((id) => eventMessage(routed(id, 1, { kind: 'follow-up', checklist: [] }, `route-${id}`))),
    );
    await client.close();
    await until(
      async () => (await sql.query('SELECT id FROM tasks')).rowCount === TASKS.length,
      20_000,
      'the tasks to be routed',
    );
    expect(second.output()).not.toContain(LEASE_TAKEN);

    // The ward works on the second relay; the first publishes what it does.
    const nurse = await connectAs(second.url, 'nurse-okafor');
    for (const id of TASKS) expect((await nurse.execute(id, 'claim')).status).toBe('applied');
    await until(
      async () => (await outbox()).every((r) => r.published_at !== null),
      20_000,
      'the holder to publish',
    );
    // More actions, and the holder dies with them in flight or not yet sent.
    for (const id of TASKS) expect((await nurse.execute(id, 'acknowledge')).status).toBe('applied');
    first.process.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBe('SIGKILL');
    for (const id of TASKS) expect((await nurse.execute(id, 'release')).status).toBe('applied');

    await until(
      async () => (await outbox()).every((r) => r.published_at !== null),
      30_000,
      'the second relay to publish everything',
    );
    const tookOver = Date.now() - killedAt;
    console.log(
      `[CL8] the outbox holder was SIGKILLed; another relay had published everything ${tookOver} ms later`,
    );
    expect(tookOver).toBeLessThanOrEqual(10_000);
    expect(second.output()).toContain(LEASE_TAKEN);
    await nurse.stop();

    const rows = await outbox();
    expect(rows).toHaveLength(TASKS.length * 3);
    const published = storedEvents(broker.entity(AUDIT));
    // Once each downstream (duplicate detection dropped any resend of the dead holder's last batch).
    expect(published.map((m) => m.messageId).sort()).toEqual(
      rows.map((r) => (JSON.parse(r.body) as { id: string }).id).sort(),
    );
    for (const id of TASKS)
      expect(published.filter((m) => m.message.subject === id).map((m) => m.body?.type)).toEqual([
        'wardline.task.claimed',
        'wardline.task.acknowledged',
        'wardline.task.released',
      ]);
  }, 300_000);
});
