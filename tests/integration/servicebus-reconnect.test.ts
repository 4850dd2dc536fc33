/**
 * The broker drops the connection mid-stream: the relay reconnects on its own and resumes without
 * losing a message or applying one twice, and `/readyz` says "not ready" while Service Bus is gone.
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
  until,
} from '../helpers/sb-broker/testing';

const TOTAL = 4_000;
/** Long enough that the outage is seen by the SDK's retries (and so by /readyz), short for a test. */
const OUTAGE_MS = 4_000;

describe('Service Bus inbound: the broker drops the connection mid-stream', () => {
  let broker: ServiceBusTestBroker;
  let relay: TestRelay;

  beforeAll(async () => {
    broker = await ServiceBusTestBroker.start({
      // A short lock: a completion lost with a dropped socket comes back within seconds.
      queues: { [INBOUND_QUEUE]: { lockDurationMs: 2_000, maxDeliveryCount: 10 } },
      topics: { 'worklist-outbound': { subscriptions: { audit: {} } } },
    });
    // Few messages in hand at once, so the stream is still flowing when the drops come.
    relay = await startTestRelay(serviceBusEnv(broker, { SERVICEBUS_MAX_CONCURRENT_CALLS: '4' }));
  });
  afterAll(async () => {
    broker.refuseConnections(false);
    await relay.stop();
    await broker.close();
  });

  async function readiness(): Promise<{ status: number; connected: boolean }> {
    const res = await fetch(`${relay.url}/readyz`);
    const body = (await res.json()) as { checks: { inbound: { connected: boolean } } };
    return { status: res.status, connected: body.checks.inbound.connected };
  }

  it('[SB5] reconnects after a forced close, an abrupt drop and an outage, and applies every event once', async () => {
    const events = Array.from({ length: TOTAL }, (_, i) => routed(`drop-${i}`, 1, {}, `drop-evt-${i}`));
    const client = new ServiceBusClient(broker.connectionString);
    await sendAll(
      client,
      INBOUND_QUEUE,
      events.map((e) => eventMessage(e)),
    );
    await client.close(); // the drops below would cut it too
    const inbound = broker.entity(INBOUND_QUEUE);
    const completed = () => inbound.stats.completed;

    await eventually(() => completed() >= TOTAL * 0.2, 20_000);
    broker.dropConnections('forced');
    await eventually(() => completed() >= TOTAL * 0.45, 20_000);
    broker.dropConnections('abrupt');
    await eventually(() => completed() >= TOTAL * 0.7, 30_000);

    broker.refuseConnections(true);
    broker.dropConnections('abrupt');
    const during: boolean[] = [];
    const outageEnds = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnds) {
      const r = await readiness();
      during.push(r.status === 503 && !r.connected);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(during).toContain(true);
    const stalled = completed();
    expect(stalled).toBeLessThan(TOTAL);
    broker.refuseConnections(false);

    await eventually(() => inbound.totalCount === 0, 60_000);
    await until(async () => (await readiness()).status === 200, 10_000, '/readyz to be ready again');

    const rows = await relay.relay.db.get<{ n: number; distinct_ids: number }>(
      "SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS distinct_ids FROM changes WHERE task_id LIKE 'drop-%'",
    );
    expect(rows).toEqual({ n: TOTAL, distinct_ids: TOTAL });
    expect(storedEvents(broker.deadLetterQueue(INBOUND_QUEUE))).toEqual([]);
    expect(relay.logs.text).toMatch(/service bus receiver disconnected/);
  });

  it('[SB5] stays not-ready, naming the entity, when the inbound queue does not exist', async () => {
    const misconfigured = await startTestRelay(
      serviceBusEnv(broker, { SERVICEBUS_INBOUND_QUEUE: 'worklist-inbund' }),
    );
    try {
      await until(() => /MessagingEntityNotFound/.test(misconfigured.logs.text), 10_000, 'the receive error');
      const res = await fetch(`${misconfigured.url}/readyz`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { checks: { inbound: unknown } }).checks.inbound).toEqual({
        source: 'servicebus:queue/worklist-inbund',
        connected: false,
      });
    } finally {
      await misconfigured.stop();
    }
  });
});
