/**
 * The test broker against the unmodified @azure/service-bus SDK: each case is something the relay's
 * Service Bus tests rely on the broker doing the way Service Bus does. If one fails, the broker lies.
 */
import {
  isServiceBusError,
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/hub-client';
import { ServiceBusTestBroker } from '../helpers/sb-broker';

const LOCK_MS = 1_500;

describe('the Service Bus test broker, driven by the real SDK', () => {
  let broker: ServiceBusTestBroker;
  let client: ServiceBusClient;
  const receivers: ServiceBusReceiver[] = [];

  beforeAll(async () => {
    broker = await ServiceBusTestBroker.start({
      queues: {
        basics: { lockDurationMs: LOCK_MS, maxDeliveryCount: 3 },
        expiry: { lockDurationMs: LOCK_MS, maxDeliveryCount: 5 },
        renewal: { lockDurationMs: LOCK_MS },
        poison: { lockDurationMs: LOCK_MS, maxDeliveryCount: 2 },
        dedup: { duplicateDetectionWindowMs: 60_000 },
        streaming: { lockDurationMs: 5_000 },
        faults: {},
      },
      topics: { outcomes: { subscriptions: { audit: {}, billing: { maxDeliveryCount: 1 } } } },
    });
    client = new ServiceBusClient(broker.connectionString);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await client.close();
    await broker.close();
  });

  /** Receivers are closed after the suite. */
  function track(receiver: ServiceBusReceiver): ServiceBusReceiver {
    receivers.push(receiver);
    return receiver;
  }

  it('takes single sends, arrays and batches, and numbers messages in order', async () => {
    const sender = client.createSender('basics');
    await sender.sendMessages({ body: { n: 1 }, messageId: 'b-1' });
    await sender.sendMessages([
      { body: { n: 2 }, messageId: 'b-2' },
      { body: { n: 3 }, messageId: 'b-3' },
    ]);
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(broker.maxMessageSizeBytes);
    expect(batch.tryAddMessage({ body: { n: 4 }, messageId: 'b-4', subject: 'task-4' })).toBe(true);
    await sender.sendMessages(batch);
    await sender.close();

    const peeked = await track(client.createReceiver('basics')).peekMessages(10);
    expect(peeked.map((m) => m.messageId)).toEqual(['b-1', 'b-2', 'b-3', 'b-4']);
    expect(peeked.map((m) => m.sequenceNumber?.toNumber())).toEqual([1, 2, 3, 4]);
    expect(peeked[3]?.subject).toBe('task-4');
    expect(broker.entity('basics').activeCount).toBe(4);
  });

  it('peek-locks, and settles complete, abandon (counted, properties kept), dead-letter and defer', async () => {
    const r = track(client.createReceiver('basics'));
    const [m1, m2, m3, m4] = await r.receiveMessages(4, { maxWaitTimeInMs: 2_000 });
    expect([m1, m2, m3, m4].map((m) => m?.deliveryCount)).toEqual([0, 0, 0, 0]);
    // The SDK rebuilds the lock token from the delivery tag (.NET Guid byte order); the broker must agree.
    expect(broker.entity('basics').lockedCount).toBe(4);
    expect(m1!.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());

    await r.completeMessage(m1!);
    await r.abandonMessage(m2!, { reason: 'try later' });
    await r.deadLetterMessage(m3!, {
      deadLetterReason: 'EventRejected',
      deadLetterErrorDescription: 'data.priority: expected one of routine, urgent, asap, stat.',
    });
    await r.deferMessage(m4!);

    const [again] = await r.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(again?.messageId).toBe('b-2');
    expect(again?.deliveryCount).toBe(1);
    expect(again?.applicationProperties?.reason).toBe('try later');
    await r.completeMessage(again!);

    const [deferred] = await r.receiveDeferredMessages(m4!.sequenceNumber!);
    expect(deferred?.messageId).toBe('b-4');
    expect(deferred?.state).toBe('deferred');
    await r.completeMessage(deferred!); // always through $management update-disposition

    const [dead] = await track(
      client.createReceiver('basics', { subQueueType: 'deadLetter' }),
    ).receiveMessages(1, {
      maxWaitTimeInMs: 2_000,
    });
    expect(dead).toMatchObject({
      messageId: 'b-3',
      deadLetterReason: 'EventRejected',
      deadLetterErrorDescription: 'data.priority: expected one of routine, urgent, asap, stat.',
      deadLetterSource: 'basics',
    });
    expect(broker.entity('basics').totalCount).toBe(0);
  });

  it('answers a drain, so receiveMessages returns once the queue is empty instead of waiting it out', async () => {
    await client.createSender('basics').sendMessages([
      { body: 1, messageId: 'd-1' },
      { body: 2, messageId: 'd-2' },
    ]);
    const r = track(client.createReceiver('basics'));
    const started = Date.now();
    const got = await r.receiveMessages(10, { maxWaitTimeInMs: 10_000 });
    expect(got.map((m) => m.messageId)).toEqual(['d-1', 'd-2']);
    // The SDK drains a second after the first message; unanswered, it would wait the full 10 s.
    expect(Date.now() - started).toBeLessThan(4_000);
    await Promise.all(got.map((m) => r.completeMessage(m)));
    expect(broker.entity('basics').totalCount).toBe(0);
  });

  it('redelivers when a lock expires (a consumer that died), and a late settlement hears MessageLockLost', async () => {
    await client.createSender('expiry').sendMessages({ body: 'x', messageId: 'e-1' });
    const r = track(client.createReceiver('expiry', { maxAutoLockRenewalDurationInMs: 0 }));
    const [first] = await r.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, LOCK_MS + 300));
    const error = await r.completeMessage(first!).catch((e: unknown) => e);
    expect(isServiceBusError(error) && error.code).toBe('MessageLockLost');

    const [second] = await r.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(second?.messageId).toBe('e-1');
    expect(second?.deliveryCount).toBe(1);
    await r.completeMessage(second!);
    expect(broker.entity('expiry').stats.locksExpired).toBe(1);
  });

  it('renews locks through $management: by hand, and automatically for a slow handler', async () => {
    const sender = client.createSender('renewal');
    await sender.sendMessages({ body: 'manual', messageId: 'r-1' });
    const r = track(client.createReceiver('renewal', { maxAutoLockRenewalDurationInMs: 0 }));
    const [m] = await r.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    const before = m!.lockedUntilUtc!.getTime();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const renewed = await r.renewMessageLock(m!);
    expect(renewed.getTime()).toBeGreaterThan(before);
    await r.completeMessage(m!);
    await r.close();

    await sender.sendMessages({ body: 'slow', messageId: 'r-2' });
    const auto = track(client.createReceiver('renewal', { maxAutoLockRenewalDurationInMs: 30_000 }));
    const seen: number[] = [];
    let completed = false;
    auto.subscribe(
      {
        async processMessage(message) {
          seen.push(message.deliveryCount ?? -1);
          await new Promise((resolve) => setTimeout(resolve, LOCK_MS * 2.5)); // longer than the lock
          await auto.completeMessage(message);
          completed = true;
        },
        async processError() {},
      },
      { autoCompleteMessages: false },
    );
    await eventually(() => completed, 10_000);
    expect(seen).toEqual([0]);
    expect(broker.entity('renewal').stats.locksExpired).toBe(0);
    expect(broker.entity('renewal').totalCount).toBe(0);
  });

  it('dead-letters a message abandoned maxDeliveryCount times, with MaxDeliveryCountExceeded', async () => {
    await client.createSender('poison').sendMessages({ body: 'bad', messageId: 'p-1' });
    const r = track(client.createReceiver('poison'));
    for (let attempt = 0; attempt < 2; attempt++) {
      const [m] = await r.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
      expect(m?.deliveryCount).toBe(attempt);
      await r.abandonMessage(m!, { lastFailure: `attempt ${attempt}` });
    }
    expect(await r.peekMessages(1)).toEqual([]);
    const [dead] = await track(
      client.createReceiver('poison', { subQueueType: 'deadLetter' }),
    ).receiveMessages(1, {
      maxWaitTimeInMs: 2_000,
    });
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(dead?.deadLetterErrorDescription).toMatch(/2 delivery attempts/);
    expect(dead?.applicationProperties?.lastFailure).toBe('attempt 1');
  });

  it('copies a topic message to every subscription, each with its own locks and dead-letter queue', async () => {
    await client
      .createSender('outcomes')
      .sendMessages({ body: 'claimed', messageId: 'o-1', sessionId: 'task-1' });
    const audit = track(client.createReceiver('outcomes', 'audit'));
    const billing = track(client.createReceiver('outcomes', 'billing'));
    const [a] = await audit.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    const [b] = await billing.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect([a?.messageId, b?.messageId]).toEqual(['o-1', 'o-1']);
    expect(a?.sessionId).toBe('task-1');
    await audit.completeMessage(a!);
    await billing.abandonMessage(b!); // maxDeliveryCount 1 on this subscription
    expect(broker.entity('outcomes/Subscriptions/audit').totalCount).toBe(0);
    expect(broker.deadLetterQueue('outcomes/Subscriptions/billing').totalCount).toBe(1);
  });

  it('drops a repeated messageId inside the duplicate-detection window', async () => {
    const sender = client.createSender('dedup');
    await sender.sendMessages({ body: 1, messageId: 'same' });
    await sender.sendMessages([
      { body: 2, messageId: 'same' },
      { body: 3, messageId: 'other' },
    ]);
    expect(broker.entity('dedup').activeCount).toBe(2);
    expect(broker.duplicatesDropped('dedup')).toBe(1);
  });

  it('keeps a subscribe() receiver going through a forced close and an abrupt socket drop', async () => {
    const got: string[] = [];
    const r = track(client.createReceiver('streaming'));
    r.subscribe(
      {
        async processMessage(m: ServiceBusReceivedMessage) {
          got.push(String(m.messageId));
          await r.completeMessage(m);
        },
        async processError() {},
      },
      { autoCompleteMessages: false },
    );
    const sender = client.createSender('streaming');
    await sender.sendMessages({ body: 1, messageId: 's-1' });
    await eventually(() => got.includes('s-1'), 5_000);

    for (const [how, id] of [
      ['forced', 's-2'],
      ['abrupt', 's-3'],
    ] as const) {
      const accepted = broker.connectionsAccepted;
      broker.dropConnections(how);
      // A send written into a socket the peer already cut waits out the SDK's 60 s operation timeout
      // before its retry, as it would on a real network drop: send once the client is back.
      await eventually(() => broker.connectionsAccepted > accepted, 10_000);
      await sender.sendMessages({ body: id, messageId: id });
      await eventually(() => got.includes(id), 10_000);
    }
    expect(got.filter((id) => id.startsWith('s-'))).toEqual(['s-1', 's-2', 's-3']);
    // processMessage saw s-3 before its completion reached the broker: wait for the settlement.
    await eventually(() => broker.entity('streaming').totalCount === 0, 5_000);
    expect(broker.entity('streaming').totalCount).toBe(0);
  });

  it('refuses unknown entities, and sends while the namespace is busy, as the SDK expects', async () => {
    const missing = await client
      .createSender('no-such-queue', { identifier: 'missing' })
      .sendMessages({ body: 1 })
      .catch((e: unknown) => e);
    expect(isServiceBusError(missing) && missing.code).toBe('MessagingEntityNotFound');

    broker.setSendFault('faults', 'server-busy');
    const busy = await new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0 } })
      .createSender('faults')
      .sendMessages({ body: 1, messageId: 'f-1' })
      .catch((e: unknown) => e);
    expect(isServiceBusError(busy) && busy.code).toBe('ServiceBusy');
    expect(broker.entity('faults').totalCount).toBe(0);
    broker.setSendFault('faults', null);
  });

  it('stamps a messageId on a message sent without one (the SDK cannot track a lock without it)', async () => {
    await client.createSender('faults').sendMessages({ body: 'anonymous' });
    const [m] = await track(client.createReceiver('faults')).receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(typeof m?.messageId).toBe('string');
    expect(String(m?.messageId)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
