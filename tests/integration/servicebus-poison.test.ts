/**
 * A poison message lands in the dead-letter queue with a reason a person can act on, and the stream keeps
 * flowing behind it. Same validation as HTTP ingest; HTTP ingest stays open beside Service Bus.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { eventually } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { ServiceBusTestBroker } from '../helpers/sb-broker';
import {
  eventMessage,
  INBOUND_QUEUE,
  sendAll,
  serviceBusEnv,
  storedEvents,
} from '../helpers/sb-broker/testing';

describe('Service Bus inbound: poison messages', () => {
  let broker: ServiceBusTestBroker;
  let relay: TestRelay;
  let client: ServiceBusClient;

  beforeAll(async () => {
    broker = await ServiceBusTestBroker.start({
      queues: { [INBOUND_QUEUE]: { lockDurationMs: 5_000, maxDeliveryCount: 3 } },
      topics: { 'worklist-outbound': { subscriptions: { audit: {} } } },
    });
    // One routing attempt: an update for a task never routed is dead-lettered at its first delivery
    // (servicebus-relays.test.ts covers the retries with back-off).
    relay = await startTestRelay(serviceBusEnv(broker, { SERVICEBUS_ROUTING_ATTEMPTS: '1' }));
    client = new ServiceBusClient(broker.connectionString);
  });
  afterAll(async () => {
    await client.close();
    await relay.stop();
    await broker.close();
  });

  it('[SB2][SB3] dead-letters each poison message with a readable reason and applies every event behind it', async () => {
    const good = Array.from({ length: 60 }, (_, i) => routed(`poison-${i}`, 1, {}, `poison-evt-${i}`));
    const invalid = routed('poison-bad', 1, { priority: 'whenever' }, 'poison-evt-invalid');
    const mismatched = routed('poison-mismatch', 1, {}, 'poison-evt-mismatch');
    const unknownTask = {
      specversion: '1.0',
      id: 'poison-evt-update',
      source: 'urn:wardline:test',
      type: 'wardline.task.updated',
      subject: 'never-routed',
      data: { taskId: 'never-routed', revision: 2, checklist: [{ id: 'transport', done: true }] },
    };
    await sendAll(client, INBOUND_QUEUE, [
      ...good.slice(0, 20).map((e) => eventMessage(e)),
      eventMessage(invalid),
      { body: Buffer.from('MRN TEST-0001 Testpatient Alpha {not json'), messageId: 'poison-msg-garbled' },
      eventMessage(mismatched, { messageId: 'someone-elses-id' }),
      eventMessage(unknownTask),
      ...good.slice(20).map((e) => eventMessage(e)),
    ]);

    await eventually(() => broker.entity(INBOUND_QUEUE).totalCount === 0, 20_000);

    // Every good event, including the 40 sent after the poison, is a task.
    for (const event of good) expect((await relay.relay.store.getTask(event.data.taskId))?.revision).toBe(1);
    expect(await relay.relay.store.getTask('poison-bad')).toBeNull();
    expect(await relay.relay.store.getTask('poison-mismatch')).toBeNull();

    const dead = storedEvents(broker.deadLetterQueue(INBOUND_QUEUE));
    const byId = new Map(dead.map((d) => [d.messageId, d.properties]));
    expect([...byId.keys()].sort()).toEqual(
      ['poison-evt-invalid', 'poison-msg-garbled', 'someone-elses-id', 'poison-evt-update'].sort(),
    );
    expect(byId.get('poison-evt-invalid')).toMatchObject({
      DeadLetterReason: 'EventRejected',
      DeadLetterErrorDescription: expect.stringMatching(/^data\.priority: .*routine.*urgent.*asap.*stat/),
    });
    expect(byId.get('poison-msg-garbled')).toMatchObject({
      DeadLetterReason: 'BodyNotJson',
      DeadLetterErrorDescription: expect.stringMatching(/not valid JSON/),
    });
    // The description never quotes the body: it may be patient data.
    expect(String(byId.get('poison-msg-garbled')?.DeadLetterErrorDescription)).not.toMatch(
      /TEST-0001|Testpatient/,
    );
    expect(byId.get('someone-elses-id')).toMatchObject({
      DeadLetterReason: 'MessageIdMismatch',
      DeadLetterErrorDescription: expect.stringContaining('resend with messageId poison-evt-mismatch'),
    });
    expect(byId.get('poison-evt-update')).toMatchObject({
      DeadLetterReason: 'TaskNotRouted',
      DeadLetterErrorDescription: expect.stringMatching(
        /^task never-routed is not known here, so it cannot be updated: its wardline\.task\.routed event had not arrived after 1 attempt/,
      ),
    });
    // Each poison message was judged once, not retried into the ground.
    expect(broker.entity(INBOUND_QUEUE).stats.abandoned).toBe(0);
  });

  it('[SB6] settles each message with its own outcome when good and poison ones arrive interleaved', async () => {
    // rhea, under the SDK, writes the dispositions of one tick as ranges and gives a range the first
    // outcome: a completed event next to a dead-lettered one would share its fate unless kept apart.
    const messages = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 1
        ? eventMessage(routed(`mix-bad-${i}`, 1, { priority: 'whenever' }, `mix-evt-bad-${i}`))
        : eventMessage(routed(`mix-${i}`, 1, {}, `mix-evt-${i}`)),
    );
    await sendAll(client, INBOUND_QUEUE, messages);
    await eventually(() => broker.entity(INBOUND_QUEUE).totalCount === 0, 20_000);
    const dead = new Set(storedEvents(broker.deadLetterQueue(INBOUND_QUEUE)).map((d) => d.messageId));
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 1) expect(dead.has(`mix-evt-bad-${i}`), `mix-evt-bad-${i} dead-lettered`).toBe(true);
      else {
        expect(dead.has(`mix-evt-${i}`), `mix-evt-${i} not dead-lettered`).toBe(false);
        expect(await relay.relay.store.getTask(`mix-${i}`), `mix-${i} applied`).not.toBeNull();
      }
    }
  });

  it('[SB1] treats a redelivered event as a duplicate, and completes it', async () => {
    const event = routed('poison-redelivered', 1, {}, 'poison-evt-redelivered');
    await sendAll(client, INBOUND_QUEUE, [eventMessage(event), eventMessage(event)]);
    await eventually(() => broker.entity(INBOUND_QUEUE).totalCount === 0, 10_000);
    const changes = await relay.relay.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM changes WHERE event_id = 'poison-evt-redelivered'",
    );
    expect(Number(changes?.n)).toBe(1);
    expect(storedEvents(broker.deadLetterQueue(INBOUND_QUEUE)).map((d) => d.messageId)).not.toContain(
      'poison-evt-redelivered',
    );
  });

  it('[SB5] reports the receiver on /readyz and keeps HTTP ingest open beside it', async () => {
    const ready = await fetch(`${relay.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: unknown }).checks).toEqual({
      store: 'open',
      inbound: { source: 'servicebus:queue/worklist-inbound', connected: true },
    });
    const token = await devToken(relay.url, 'integration-engine');
    const answer = await postEvents(relay.url, token, routed('poison-http', 1, {}, 'poison-evt-http'));
    expect(answer.status).toBe(202);
    expect(await relay.relay.store.getTask('poison-http')).not.toBeNull();
  });

  it('logs ids and reasons, never a patient name or MRN', () => {
    expect(relay.logs.text).toContain('poison-evt-invalid');
    expect(relay.logs.text).not.toMatch(/Testpatient|TEST-0001/);
    expect(relay.logs.text).not.toContain('SAS_KEY_VALUE');
  });
});
