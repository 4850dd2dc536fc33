/**
 * [ST18] Service Bus messages handled at once share commits (docs/STORE.md ST17): each is completed
 * only after its own event committed, a dead-letter keeps its reason, and an SQL error in a group
 * completes nothing of the failing event while its group-mates still apply.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { eventually } from '../helpers/hub-client';
import { startTestRelay, type TestRelay } from '../helpers/relay';
import { ServiceBusTestBroker } from '../helpers/sb-broker';
import {
  eventMessage,
  INBOUND_QUEUE,
  sendAll,
  serviceBusEnv,
  storedEvents,
} from '../helpers/sb-broker/testing';

describe('Service Bus inbound: group commit', () => {
  let broker: ServiceBusTestBroker;
  let relay: TestRelay;
  let client: ServiceBusClient;

  beforeAll(async () => {
    broker = await ServiceBusTestBroker.start({
      queues: { [INBOUND_QUEUE]: { lockDurationMs: 5_000, maxDeliveryCount: 2 } },
      topics: { 'worklist-outbound': { subscriptions: { audit: {} } } },
    });
    relay = await startTestRelay(
      serviceBusEnv(broker, {
        SERVICEBUS_MAX_CONCURRENT_CALLS: '16',
        SERVICEBUS_STORE_RETRY_MS: '100',
        SERVICEBUS_ROUTING_ATTEMPTS: '1',
      }),
    );
    client = new ServiceBusClient(broker.connectionString);
  });
  afterAll(async () => {
    await client.close();
    await relay.stop();
    await broker.close();
  });

  it('[ST18][SB1][SB2] 150 messages handled 16 at a time share commits; each is completed once applied, a poison one is dead-lettered with its reason', async () => {
    const good = Array.from({ length: 150 }, (_, i) => routed(`sbg-${i}`, 1, {}, `sbg-evt-${i}`));
    const invalid = routed('sbg-bad', 1, { priority: 'whenever' }, 'sbg-evt-invalid');
    const before = relay.relay.db.commits;
    await sendAll(client, INBOUND_QUEUE, [
      ...good.slice(0, 75).map((e) => eventMessage(e)),
      eventMessage(invalid),
      ...good.slice(75).map((e) => eventMessage(e)),
    ]);
    await eventually(() => broker.entity(INBOUND_QUEUE).totalCount === 0, 30_000);
    for (const e of good) expect((await relay.relay.store.getTask(e.data.taskId))?.revision).toBe(1);
    expect(relay.relay.db.commits - before).toBeLessThan(good.length);
    const dead = storedEvents(broker.deadLetterQueue(INBOUND_QUEUE));
    expect(dead.map((d) => [d.messageId, d.properties.DeadLetterReason])).toEqual([
      ['sbg-evt-invalid', 'EventRejected'],
    ]);
  });

  it('[ST18][ST17][SB4] an SQL error fails only its own message: it is abandoned until dead-lettered, its group-mates are applied and completed', async () => {
    await relay.relay.db.transaction((tx) =>
      tx.exec(`CREATE TRIGGER poison BEFORE INSERT ON changes WHEN NEW.task_id = 'sbg-poisoned'
               BEGIN SELECT RAISE(ABORT, 'poisoned task'); END`),
    );
    const good = Array.from({ length: 30 }, (_, i) => routed(`sbp-${i}`, 1, {}, `sbp-evt-${i}`));
    const poisoned = routed('sbg-poisoned', 1, {}, 'sbp-evt-poisoned');
    await sendAll(client, INBOUND_QUEUE, [
      ...good.slice(0, 15).map((e) => eventMessage(e)),
      eventMessage(poisoned),
      ...good.slice(15).map((e) => eventMessage(e)),
    ]);
    await eventually(() => broker.entity(INBOUND_QUEUE).totalCount === 0, 30_000);
    for (const e of good) expect((await relay.relay.store.getTask(e.data.taskId))?.revision).toBe(1);
    expect(await relay.relay.store.getTask('sbg-poisoned')).toBeNull();
    const dead = storedEvents(broker.deadLetterQueue(INBOUND_QUEUE)).find(
      (d) => d.messageId === 'sbp-evt-poisoned',
    );
    expect(dead?.properties).toMatchObject({
      DeadLetterReason: 'MaxDeliveryCountExceeded',
      WardlineLastFailure: expect.stringMatching(/poisoned task/),
    });
  });
});
