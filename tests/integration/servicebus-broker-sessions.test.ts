/**
 * Message sessions in the test broker, driven by the real SDK: a session-enabled queue, one session
 * locked to one receiver at a time, "next available session", session lock renewal and expiry. The
 * relay's session mode (docs/SERVICEBUS.md) is only as trustworthy as these cases.
 */
import {
  isServiceBusError,
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusSessionReceiver,
} from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceBusTestBroker } from '../helpers/sb-broker';
import { sendAll, until } from '../helpers/sb-broker/testing';

const LOCK_MS = 1_500;

describe('sessions in the Service Bus test broker, driven by the real SDK', () => {
  let broker: ServiceBusTestBroker;
  let client: ServiceBusClient;
  const receivers: ServiceBusSessionReceiver[] = [];

  beforeAll(async () => {
    broker = await ServiceBusTestBroker.start({
      queues: {
        ordered: { requiresSession: true, lockDurationMs: LOCK_MS },
        renewal: { requiresSession: true, lockDurationMs: LOCK_MS },
        expiry: { requiresSession: true, lockDurationMs: LOCK_MS },
        waiting: { requiresSession: true, lockDurationMs: LOCK_MS },
        plain: {},
      },
    });
    // Short operation timeouts so "no session available" answers within the test.
    client = new ServiceBusClient(broker.connectionString, {
      retryOptions: { timeoutInMs: 3_000, maxRetries: 0 },
    });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close().catch(() => undefined)));
    await client.close();
    await broker.close();
  });

  function track(receiver: ServiceBusSessionReceiver): ServiceBusSessionReceiver {
    receivers.push(receiver);
    return receiver;
  }

  const ids = (messages: ServiceBusReceivedMessage[]) => messages.map((m) => String(m.messageId));

  it('locks one session to one receiver: next available takes the oldest, a held one is refused', async () => {
    await sendAll(client, 'ordered', [
      { body: 1, messageId: 'a-1', sessionId: 'task-a' },
      { body: 1, messageId: 'b-1', sessionId: 'task-b' },
      { body: 2, messageId: 'a-2', sessionId: 'task-a' },
      { body: 2, messageId: 'b-2', sessionId: 'task-b' },
      { body: 3, messageId: 'a-3', sessionId: 'task-a' },
    ]);
    const first = track(await client.acceptNextSession('ordered'));
    expect(first.sessionId).toBe('task-a');
    expect(first.sessionLockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
    const second = track(await client.acceptNextSession('ordered'));
    expect(second.sessionId).toBe('task-b');

    // Each receiver sees only its own session, in order.
    const a = await first.receiveMessages(10, { maxWaitTimeInMs: 1_000 });
    expect(ids(a)).toEqual(['a-1', 'a-2', 'a-3']);
    expect(a.every((m) => m.sessionId === 'task-a')).toBe(true);
    const b = await second.receiveMessages(10, { maxWaitTimeInMs: 1_000 });
    expect(ids(b)).toEqual(['b-1', 'b-2']);

    const refused = await client.acceptSession('ordered', 'task-a').then(
      () => null,
      (error: unknown) => error,
    );
    expect(isServiceBusError(refused) && refused.code).toBe('SessionCannotBeLocked');

    for (const m of a) await first.completeMessage(m);
    for (const m of b) await second.completeMessage(m);
    await first.close();
    await second.close();
    // Closed: the session is free again, and a named accept of an empty session still locks it.
    const again = track(await client.acceptSession('ordered', 'task-a'));
    expect(again.sessionId).toBe('task-a');
    await again.close();
    expect(broker.entity('ordered').totalCount).toBe(0);
  });

  it('refuses a message without a sessionId, and a plain receiver, on a session-enabled queue', async () => {
    const sender = client.createSender('ordered');
    await expect(sender.sendMessages({ body: 'x', messageId: 'no-session' })).rejects.toThrow(/SessionId/);
    await sender.close();
    const plain = client.createReceiver('ordered');
    await expect(plain.receiveMessages(1, { maxWaitTimeInMs: 1_000 })).rejects.toThrow(/requires sessions/);
    await plain.close();
    await expect(client.acceptNextSession('plain')).rejects.toThrow(/does not require sessions/);
  });

  it('keeps a session through subscribe() while the SDK renews its lock, settling on the link', async () => {
    await sendAll(
      client,
      'renewal',
      [1, 2, 3, 4].map((n) => ({ body: n, messageId: `r-${n}`, sessionId: 'task-r' })),
    );
    const receiver = track(
      await client.acceptNextSession('renewal', { maxAutoLockRenewalDurationInMs: 30_000 }),
    );
    const handled: string[] = [];
    const errors: unknown[] = [];
    receiver.subscribe(
      {
        async processMessage(message) {
          // Two lock durations per message: only renewal keeps the session.
          if (message.messageId === 'r-2') await new Promise((resolve) => setTimeout(resolve, LOCK_MS * 2));
          await receiver.completeMessage(message);
          handled.push(String(message.messageId));
        },
        async processError(args) {
          errors.push(args.error);
        },
      },
      { autoCompleteMessages: false },
    );
    await until(() => handled.length === 4, 20_000, 'the session to be handled');
    expect(handled).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
    expect(errors).toEqual([]);
    expect(broker.entity('renewal').stats.locksExpired).toBe(0);
    await receiver.close();
  });

  it('takes a session back when its lock expires: its messages go to the next receiver, counted', async () => {
    await sendAll(client, 'expiry', [{ body: 1, messageId: 'e-1', sessionId: 'task-e' }]);
    const stalled = track(await client.acceptNextSession('expiry', { maxAutoLockRenewalDurationInMs: 0 }));
    const [held] = await stalled.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    expect(held?.messageId).toBe('e-1');
    await until(() => broker.entity('expiry').stats.locksExpired === 1, 10_000, 'the session lock to expire');
    // The old receiver has lost it: renewing is refused (a $management answer, not a race with the detach).
    await expect(stalled.renewSessionLock()).rejects.toThrow();

    const next = track(await client.acceptNextSession('expiry'));
    expect(next.sessionId).toBe('task-e');
    const [again] = await next.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    expect(again?.messageId).toBe('e-1');
    expect(again?.deliveryCount).toBe(1);
    await next.completeMessage(again!);
    await next.close();
  });

  it('holds a next-available accept until a session arrives, and answers a timeout when none does', async () => {
    const none = await client.acceptNextSession('waiting').then(
      () => null,
      (error: unknown) => error,
    );
    expect(isServiceBusError(none)).toBe(true);

    const accepting = client.acceptNextSession('waiting');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await sendAll(client, 'waiting', [{ body: 1, messageId: 'w-1', sessionId: 'task-w' }]);
    const receiver = track(await accepting);
    expect(receiver.sessionId).toBe('task-w');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    await receiver.completeMessage(message!);
    await receiver.close();
  });
});
