/**
 * The test broker under a large backlog, driven by the real SDK: deliveries flow within the client's
 * link credit and the AMQP session window, so thousands of queued messages arrive and settle with none
 * lost or doubled (the broker used to overflow its session buffer past ~2,000 deliveries).
 */
import { ServiceBusClient, type ServiceBusReceiver } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceBusTestBroker } from '../helpers/sb-broker';
import { sendAll, until } from '../helpers/sb-broker/testing';

const BACKLOG = 5_000;

describe('the Service Bus test broker with a large backlog', () => {
  let broker: ServiceBusTestBroker;
  let client: ServiceBusClient;
  const receivers: ServiceBusReceiver[] = [];

  beforeAll(async () => {
    broker = await ServiceBusTestBroker.start({
      queues: {
        streaming: { lockDurationMs: 30_000 },
        batches: { lockDurationMs: 30_000 },
        held: { lockDurationMs: 30_000 },
      },
    });
    client = new ServiceBusClient(broker.connectionString);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await client.close();
    await broker.close();
  });

  function backlog(prefix: string) {
    return Array.from({ length: BACKLOG }, (_, i) => ({ body: { n: i }, messageId: `${prefix}-${i}` }));
  }

  it(`streams a backlog of ${BACKLOG} to a subscribe() receiver, each completed once, none lost`, async () => {
    await sendAll(client, 'streaming', backlog('s'));
    expect(broker.entity('streaming').activeCount).toBe(BACKLOG);

    const receiver = client.createReceiver('streaming');
    receivers.push(receiver);
    const seen = new Map<string, number>();
    let failures = 0;
    const subscription = receiver.subscribe(
      {
        async processMessage(message) {
          const id = String(message.messageId);
          seen.set(id, (seen.get(id) ?? 0) + 1);
          await receiver.completeMessage(message);
        },
        async processError() {
          failures++;
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 64 },
    );
    await until(() => broker.entity('streaming').totalCount === 0, 120_000, 'the backlog to drain');
    await subscription.close();

    expect(seen.size).toBe(BACKLOG);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(broker.entity('streaming').stats.completed).toBe(BACKLOG);
    expect(broker.deadLetterQueue('streaming').totalCount).toBe(0);
    expect(failures).toBe(0);
  }, 180_000);

  it(`hands a backlog of ${BACKLOG} to receiveMessages() asking for thousands at once`, async () => {
    await sendAll(client, 'batches', backlog('b'));
    const receiver = client.createReceiver('batches');
    receivers.push(receiver);
    const seen = new Set<string>();
    while (seen.size < BACKLOG) {
      const messages = await receiver.receiveMessages(3_000, { maxWaitTimeInMs: 10_000 });
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) {
        expect(seen.has(String(message.messageId))).toBe(false);
        seen.add(String(message.messageId));
      }
      await Promise.all(messages.map((m) => receiver.completeMessage(m)));
    }
    expect(broker.entity('batches').totalCount).toBe(0);
    expect(broker.entity('batches').stats.completed).toBe(BACKLOG);
  }, 180_000);

  it('keeps the backlog flowing past a message a slow handler holds for seconds', async () => {
    // rhea frees its session buffer from the oldest delivery only: the held one stalls the buffer once
    // 2,048 deliveries are behind it, and the broker must wait for room rather than overflow.
    await sendAll(client, 'held', backlog('h'));
    const receiver = client.createReceiver('held');
    receivers.push(receiver);
    const seen = new Set<string>();
    let doubled = 0;
    let failures = 0;
    const subscription = receiver.subscribe(
      {
        async processMessage(message) {
          const id = String(message.messageId);
          if (seen.has(id)) doubled++;
          seen.add(id);
          if (id === 'h-0') await new Promise((resolve) => setTimeout(resolve, 4_000));
          await receiver.completeMessage(message);
        },
        async processError() {
          failures++;
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 32 },
    );
    await until(() => broker.entity('held').totalCount === 0, 150_000, 'the backlog to drain');
    await subscription.close();
    expect(seen.size).toBe(BACKLOG);
    expect(doubled).toBe(0);
    expect(failures).toBe(0);
  }, 180_000);
});
