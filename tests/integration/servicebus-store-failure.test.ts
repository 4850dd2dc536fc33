/**
 * The store fails for a while: messages are abandoned and redelivered (never completed, never lost) and
 * all are applied once it recovers; a message that fails past the max delivery count is dead-lettered.
 *
 * The failure is SQLite refusing writes with SQLITE_READONLY ("attempt to write a readonly database"),
 * the error a read-only data folder gives. It is switched on with `PRAGMA query_only` on the relay's own
 * connection: changing folder permissions does not affect files SQLite already holds open (and root, as
 * on CI, ignores them).
 */
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { eventually } from '../helpers/hub-client';
import { startTestRelay, type TestRelay } from '../helpers/relay';
import type { SqliteEngine } from '../../server/src/store/sqlite-engine';
import { ServiceBusTestBroker } from '../helpers/sb-broker';
import {
  eventMessage,
  INBOUND_QUEUE,
  sendAll,
  serviceBusEnv,
  storedEvents,
} from '../helpers/sb-broker/testing';

const MAX_DELIVERY_COUNT = 5;

describe('Service Bus inbound: the store fails for a while', () => {
  let broker: ServiceBusTestBroker;
  let relay: TestRelay;
  let client: ServiceBusClient;
  // SQLite only: the store refuses every write while query_only is on.
  const readOnly = (on: boolean) =>
    (relay.relay.db as SqliteEngine).db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);

  beforeAll(async () => {
    broker = await ServiceBusTestBroker.start({
      queues: { [INBOUND_QUEUE]: { lockDurationMs: 3_000, maxDeliveryCount: MAX_DELIVERY_COUNT } },
      topics: { 'worklist-outbound': { subscriptions: { audit: {} } } },
    });
    // Retries wait 100 ms, 200 ms, 400 ms …: the whole delivery budget is spent in a few seconds.
    relay = await startTestRelay(serviceBusEnv(broker, { SERVICEBUS_STORE_RETRY_MS: '100' }));
    client = new ServiceBusClient(broker.connectionString);
  });
  afterAll(async () => {
    readOnly(false);
    await client.close();
    await relay.stop();
    await broker.close();
  });

  const appliedCount = async (eventId: string) =>
    Number(
      (
        await relay.relay.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM changes WHERE event_id = ?', [
          eventId,
        ])
      )?.n,
    );

  it('[SB4] abandons while the store refuses writes, and applies everything exactly once after it recovers', async () => {
    const events = Array.from({ length: 30 }, (_, i) => routed(`outage-${i}`, 1, {}, `outage-evt-${i}`));
    readOnly(true);
    await sendAll(
      client,
      INBOUND_QUEUE,
      events.map((e) => eventMessage(e)),
    );
    const inbound = broker.entity(INBOUND_QUEUE);
    // Every message was tried, failed, and went back to Service Bus at least once.
    await eventually(() => inbound.stats.abandoned >= events.length, 15_000);
    expect(inbound.stats.completed).toBe(0);
    expect(inbound.totalCount).toBe(events.length);
    for (const e of events) expect(await relay.relay.store.getTask(e.data.taskId)).toBeNull();

    readOnly(false);
    await eventually(() => inbound.totalCount === 0, 20_000);
    for (const event of events) expect(await appliedCount(event.id)).toBe(1);
    expect(storedEvents(broker.deadLetterQueue(INBOUND_QUEUE))).toEqual([]);
    expect(relay.logs.text).toMatch(/store could not apply the message/);
  });

  it('[SB4] dead-letters a message the store cannot take within the max delivery count, saying why', async () => {
    const doomed = routed('outage-doomed', 1, {}, 'outage-evt-doomed');
    readOnly(true);
    await sendAll(client, INBOUND_QUEUE, [eventMessage(doomed)]);
    const dlq = broker.deadLetterQueue(INBOUND_QUEUE);
    await eventually(() => dlq.totalCount === 1, 20_000);
    readOnly(false);

    const [dead] = storedEvents(dlq);
    expect(dead?.messageId).toBe('outage-evt-doomed');
    expect(dead?.properties).toMatchObject({
      DeadLetterReason: 'MaxDeliveryCountExceeded',
      WardlineLastFailure: expect.stringMatching(/readonly database/),
    });
    expect(await appliedCount('outage-evt-doomed')).toBe(0);
    expect(broker.entity(INBOUND_QUEUE).totalCount).toBe(0);
  });
});
