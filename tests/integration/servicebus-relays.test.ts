/**
 * Several relays on one inbound entity and one PostgreSQL database (issue 20, point 5): with a
 * session-enabled queue each task's events are applied in order by construction; without sessions an
 * update that overtakes its routing event is retried with back-off, not dead-lettered, and one whose
 * task never arrives is dead-lettered with a readable reason after the bounded retries.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { routed } from '../helpers/events';
import { testDatabase, type TestDatabase } from '../helpers/postgres';
import { startTestRelay, type TestRelay } from '../helpers/relay';
import { ServiceBusTestBroker } from '../helpers/sb-broker';
import {
  eventMessage,
  INBOUND_QUEUE,
  OUTBOUND_TOPIC,
  sendAll,
  serviceBusEnv,
  storedEvents,
  until,
} from '../helpers/sb-broker/testing';

const TASKS = 50;
const EVENTS_PER_TASK = 20;

/** Revision r of a task's checklist: medication reconciliation flips every revision, so each applies. */
function updated(taskId: string, revision: number) {
  return {
    specversion: '1.0',
    id: `upd-${taskId}-r${revision}`,
    source: 'urn:wardline:test',
    type: 'wardline.task.updated',
    time: '2026-11-26T08:00:00Z',
    subject: taskId,
    data: {
      taskId,
      revision,
      checklist: [
        { id: 'med-rec', done: revision % 2 === 0 },
        { id: 'transport', done: revision % 3 === 0 },
      ],
    },
  };
}

function eventOf(taskId: string, revision: number) {
  return revision === 1 ? routed(taskId, 1, {}, `rt-${taskId}`) : updated(taskId, revision);
}

interface Cluster {
  broker: ServiceBusTestBroker;
  db: TestDatabase;
  relays: TestRelay[];
  client: ServiceBusClient;
  stop(): Promise<void>;
}

async function cluster(requiresSession: boolean): Promise<Cluster> {
  const broker = await ServiceBusTestBroker.start({
    queues: { [INBOUND_QUEUE]: { lockDurationMs: 5_000, maxDeliveryCount: 10, requiresSession } },
    topics: { [OUTBOUND_TOPIC]: { subscriptions: { audit: {} } } },
  });
  const db = await testDatabase(inject('postgresUrl'));
  const client = new ServiceBusClient(broker.connectionString);
  const relays: TestRelay[] = [];
  return {
    broker,
    db,
    client,
    relays,
    async stop() {
      await Promise.all(relays.map((r) => r.stop()));
      await client.close();
      await broker.close();
      await db.drop();
    },
  };
}

async function startRelays(c: Cluster, env: Record<string, string>): Promise<void> {
  // One after another: the first one migrates the database.
  for (let i = 0; i < 2; i++) {
    c.relays.push(await startTestRelay(serviceBusEnv(c.broker, { DATABASE_URL: c.db.url, ...env })));
  }
}

describe('[SB9] two relays on a session-enabled queue (session id = task id)', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await cluster(true);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it(`[SB9] applies ${TASKS} tasks × ${EVENTS_PER_TASK} interleaved events in each task's order, none dead-lettered`, async () => {
    const messages = [];
    for (let revision = 1; revision <= EVENTS_PER_TASK; revision++) {
      for (let t = 0; t < TASKS; t++) {
        const taskId = `sess-${t}`;
        messages.push(eventMessage(eventOf(taskId, revision), { sessionId: taskId }));
      }
    }
    await sendAll(c.client, INBOUND_QUEUE, messages);
    await startRelays(c, { SERVICEBUS_INBOUND_SESSIONS: 'true', SERVICEBUS_MAX_CONCURRENT_SESSIONS: '4' });

    const queue = c.broker.entity(INBOUND_QUEUE);
    await until(() => queue.totalCount === 0, 150_000, 'every session to be applied');

    expect(c.broker.deadLetterQueue(INBOUND_QUEUE).totalCount).toBe(0);
    expect(queue.stats.completed).toBe(TASKS * EVENTS_PER_TASK);
    // Both relays took sessions: the order below held across relays, not because one did all the work.
    const applied = c.relays.map((r) => r.logs.records().filter((l) => l.msg === 'inbound event').length);
    expect(applied.every((n) => n > 0)).toBe(true);

    const store = c.relays[0]!.relay.store;
    for (let t = 0; t < TASKS; t++) {
      const taskId = `sess-${t}`;
      const task = await store.getTask(taskId);
      // The final state is the in-order application: revision 20's checklist.
      expect(task?.revision, taskId).toBe(EVENTS_PER_TASK);
      expect(task?.checklist.find((i) => i.id === 'med-rec')?.done, taskId).toBe(true);
      expect(task?.checklist.find((i) => i.id === 'transport')?.done, taskId).toBe(false);
      // And every revision was applied, one after another: none arrived late and was skipped as stale.
      const revisions = (await store.taskStatesSince(taskId, 0)).map((s) => s.revision);
      expect(revisions, taskId).toEqual(Array.from({ length: EVENTS_PER_TASK }, (_, i) => i + 1));
    }
  }, 240_000);
});

describe('[SB10] two relays on a plain queue: an update that overtakes its routing event', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await cluster(false);
    await startRelays(c, { SERVICEBUS_ROUTING_RETRY_MS: '300', SERVICEBUS_ROUTING_ATTEMPTS: '5' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('[SB10] is retried with back-off and applied once the routing event arrives, not dead-lettered', async () => {
    const queue = c.broker.entity(INBOUND_QUEUE);
    await sendAll(c.client, INBOUND_QUEUE, [eventMessage(updated('early', 2))]);
    // The update has been tried and given back at least once before its task exists anywhere.
    await until(() => queue.stats.abandoned >= 1, 30_000, 'the early update to be given back');
    expect(await c.relays[0]!.relay.store.getTask('early')).toBeNull();

    await sendAll(c.client, INBOUND_QUEUE, [eventMessage(eventOf('early', 1))]);
    await until(() => queue.totalCount === 0, 30_000, 'the update to be applied');

    const task = await c.relays[1]!.relay.store.getTask('early');
    expect(task?.revision).toBe(2);
    expect(task?.checklist.find((i) => i.id === 'med-rec')?.done).toBe(true);
    expect(c.broker.deadLetterQueue(INBOUND_QUEUE).totalCount).toBe(0);
  });

  it('[SB10] dead-letters an update whose task never arrives with TaskNotRouted after the bounded retries', async () => {
    const queue = c.broker.entity(INBOUND_QUEUE);
    const abandonedBefore = queue.stats.abandoned;
    await sendAll(c.client, INBOUND_QUEUE, [eventMessage(updated('orphan', 2))]);
    await until(() => c.broker.deadLetterQueue(INBOUND_QUEUE).totalCount === 1, 60_000, 'the dead-letter');

    const [dead] = storedEvents(c.broker.deadLetterQueue(INBOUND_QUEUE));
    expect(dead?.messageId).toBe('upd-orphan-r2');
    expect(dead?.properties).toMatchObject({
      DeadLetterReason: 'TaskNotRouted',
      DeadLetterErrorDescription: expect.stringMatching(
        /^task orphan is not known here, so it cannot be updated: its wardline\.task\.routed event had not arrived after 5 attempts over about \d+ s\. Send the task's routing event, then resubmit this message\.$/,
      ),
    });
    // Five deliveries: four given back with back-off, the fifth dead-lettered (not MaxDeliveryCount).
    expect(queue.stats.abandoned - abandonedBefore).toBe(4);
  });
});
