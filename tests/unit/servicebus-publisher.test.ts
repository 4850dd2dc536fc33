/**
 * The outbox publisher with a real store and a stand-in for Service Bus at the network edge: what it
 * sends, in what order, and that a row is marked only once Service Bus accepted it.
 */
import type { ServiceBusMessage, ServiceBusMessageBatch } from '@azure/service-bus';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInboundEvent, type Principal } from '../../src/domain';
import { createLogger } from '../../server/src/log';
import { outboundMessage } from '../../server/src/outbound/message';
import {
  startOutboxPublisher,
  type OutboxPublisher,
  type OutboxSender,
} from '../../server/src/outbound/publisher';
import { memoryStore } from '../helpers/store';
import { routed } from '../helpers/events';
import { eventually } from '../helpers/hub-client';
import { LogCapture } from '../helpers/relay';

const nurse: Principal = { id: 'nurse-1', tenantId: 't', name: 'A. Nurse', roles: ['Nurse'], units: ['4W'] };

/** Service Bus as the publisher sees it: batches that hold `capacity` messages, sends we can hold or fail. */
class FakeTopic implements OutboxSender {
  readonly accepted: ServiceBusMessage[] = [];
  capacity = 100;
  failNext = 0;
  hold: Promise<void> | null = null;

  async createMessageBatch(): Promise<ServiceBusMessageBatch> {
    const messages: ServiceBusMessage[] = [];
    const capacity = this.capacity;
    return {
      get count() {
        return messages.length;
      },
      tryAddMessage(message: ServiceBusMessage) {
        if (messages.length >= capacity) return false;
        messages.push(message);
        return true;
      },
      _messages: messages,
    } as unknown as ServiceBusMessageBatch;
  }

  async sendMessages(batch: unknown): Promise<void> {
    if (this.hold) await this.hold;
    if (this.failNext > 0) {
      this.failNext--;
      const error = new Error('The server is busy.');
      error.name = 'ServiceBusError';
      throw error;
    }
    this.accepted.push(...(batch as { _messages: ServiceBusMessage[] })._messages);
  }
}

async function setup() {
  const store = await memoryStore();
  const logs = new LogCapture();
  const topic = new FakeTopic();
  const route = async (taskId: string) => {
    const parsed = parseInboundEvent(
      routed(taskId, 1, { kind: 'follow-up', checklist: [] }, `route-${taskId}`),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    await store.applyEvent(parsed.event);
  };
  const act = async (taskId: string, type: 'claim' | 'release') => {
    const result = await store.execute(
      { commandId: randomUUID(), taskId, type, payload: {}, issuedAt: new Date().toISOString() },
      nurse,
    );
    if (result.status !== 'applied') throw new Error(`${type} ${taskId}: ${result.status}`);
  };
  return { store, logs, topic, route, act, logger: createLogger({ level: 'debug', destination: logs }) };
}

describe('the outbox publisher', () => {
  let publisher: OutboxPublisher | null = null;
  afterEach(async () => {
    await publisher?.close();
    publisher = null;
  });

  it('[SB7][SB8] publishes staff actions in outbox order with the ids the workflow engine relies on', async () => {
    const { store, topic, route, act, logger } = await setup();
    for (const id of ['a', 'b']) await route(id);
    await act('a', 'claim');
    await act('b', 'claim');
    await act('a', 'release');
    publisher = startOutboxPublisher({ store, sender: topic, logger });
    await eventually(() => topic.accepted.length === 3);

    const rows = await store.engine.all<{ id: number; body: string }>(
      'SELECT id, body FROM outbox ORDER BY id',
    );
    expect(topic.accepted.map((m) => m.messageId)).toEqual(rows.map((r) => JSON.parse(r.body).id));
    expect(
      topic.accepted.map((m) => `${m.subject}:${m.applicationProperties?.['cloudEvents:type']}`),
    ).toEqual(['a:wardline.task.claimed', 'b:wardline.task.claimed', 'a:wardline.task.released']);
    expect(topic.accepted[0]).toMatchObject({
      sessionId: 'a',
      correlationId: 'route-a',
      contentType: 'application/cloudevents+json; charset=utf-8',
    });
    expect((topic.accepted[0]!.body as Buffer).toString('utf8')).toBe(rows[0]!.body);
    await eventually(async () => (await store.pendingOutbox(10)).length === 0);
  });

  it('[SB7] marks nothing until Service Bus accepts, and sends a staff action at once when it commits', async () => {
    const { store, topic, route, act, logger } = await setup();
    await route('a');
    let release!: () => void;
    topic.hold = new Promise((resolve) => (release = resolve));
    publisher = startOutboxPublisher({ store, sender: topic, logger });
    await act('a', 'claim');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await store.pendingOutbox(10)).toHaveLength(1); // sent, not yet accepted: not marked
    topic.hold = null;
    release();
    await eventually(async () => (await store.pendingOutbox(10)).length === 0);
    expect(topic.accepted).toHaveLength(1);
  });

  it('[SB7] keeps failed rows, retries them first, and never reorders', async () => {
    const { store, topic, route, act, logger, logs } = await setup();
    await route('a');
    topic.failNext = 2;
    await act('a', 'claim');
    await act('a', 'release');
    publisher = startOutboxPublisher({ store, sender: topic, logger });
    await eventually(() => topic.accepted.length === 2, 5_000);
    expect(topic.accepted.map((m) => m.applicationProperties?.['cloudEvents:type'])).toEqual([
      'wardline.task.claimed',
      'wardline.task.released',
    ]);
    expect(logs.text.match(/outbox publish failed/g)).toHaveLength(2);
    expect(publisher.state()).toEqual({ published: 2, lastError: null });
  });

  it('sends a long backlog in batches as large as fit, in order', async () => {
    const { store, topic, route, act, logger } = await setup();
    for (let i = 0; i < 25; i++) {
      await route(`t${i}`);
      await act(`t${i}`, 'claim');
    }
    topic.capacity = 7;
    publisher = startOutboxPublisher({ store, sender: topic, logger });
    await eventually(() => topic.accepted.length === 25);
    expect(topic.accepted.map((m) => m.subject)).toEqual(Array.from({ length: 25 }, (_, i) => `t${i}`));
  });

  it('refuses to send a row that is not a CloudEvent, and says which one', () => {
    expect(() =>
      outboundMessage({ id: 7, taskId: 'a', type: 'wardline.task.claimed', body: '{"no":"id"}' }, null),
    ).toThrow('outbox row 7 is not a CloudEvent with an id');
  });
});
