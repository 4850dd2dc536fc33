/**
 * Staff actions taken through the hub reach the outbound topic once each and in per-task order, even
 * when the relay is killed between the commit and the publish, and between the publish and the mark.
 */
import { ServiceBusClient } from '@azure/service-bus';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/domain';
import { routed } from '../helpers/events';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';
import type { ServiceBusTestBroker } from '../helpers/sb-broker';
import {
  AUDIT,
  eventMessage,
  INBOUND_QUEUE,
  OUTBOUND_TOPIC,
  sendAll,
  serviceBusEnv,
  startOutboundBroker,
  storedEvents,
  until,
} from '../helpers/sb-broker/testing';

const TASKS = Array.from({ length: 6 }, (_, i) => `out-${i}`);
const EXCEPTIONS = ['out-exc-0', 'out-exc-1'];

type Step = [Command['type'], unknown?];
/** Each follow-up's life on the ward; every step is one upstream event. */
const FOLLOW_UP: Step[] = [
  ['claim'],
  ['acknowledge'],
  ['release'],
  ['claim'],
  ['escalate', { reason: 'Needs the registrar' }],
  ['resolve'],
];
const FOLLOW_UP_TYPES = [
  'wardline.task.claimed',
  'wardline.task.acknowledged',
  'wardline.task.released',
  'wardline.task.claimed',
  'wardline.task.escalated',
  'wardline.task.resolved',
];

interface OutboxRecord {
  id: number;
  task_id: string;
  type: string;
  body: string;
  published_at: string | null;
}

describe('Service Bus outbound: staff actions published once each, in order per task', () => {
  const data = tempDir();
  const children: ChildRelay[] = [];
  const clients: WorklistClient[] = [];
  let broker: ServiceBusTestBroker;

  beforeAll(async () => {
    broker = await startOutboundBroker();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    for (const child of children) child.process.kill('SIGKILL');
    await broker.close();
    data.remove();
  });

  async function start(): Promise<ChildRelay> {
    const child = await spawnRelay(serviceBusEnv(broker, { DATA_DIR: data.path }));
    children.push(child);
    return child;
  }

  async function kill(child: ChildRelay): Promise<void> {
    child.process.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
  }

  function outbox(): OutboxRecord[] {
    const db = new Database(join(data.path, 'wardline.db'), { readonly: true });
    try {
      return db
        .prepare('SELECT id, task_id, type, body, published_at FROM outbox ORDER BY id')
        .all() as OutboxRecord[];
    } finally {
      db.close();
    }
  }

  async function act(url: string, staffId: string, taskIds: string[], steps: Step[]): Promise<void> {
    const client = await connectAs(url, staffId);
    clients.push(client);
    for (const [type, payload] of steps) {
      for (const taskId of taskIds) {
        const result = await client.execute(taskId, type, payload);
        const why = 'message' in result ? result.message : '';
        expect(result.status, `${staffId} ${type} ${taskId}: ${why ?? ''}`).toBe('applied');
      }
    }
    await client.stop();
  }

  it('[SB7][SB8] survives kills before the publish and before the mark, and ends with each event once, in order', async () => {
    let relay = await start();
    const client = new ServiceBusClient(broker.connectionString);
    const routing = [
      ...TASKS.map((id) => routed(id, 1, { kind: 'follow-up', checklist: [] }, `route-${id}`)),
      ...EXCEPTIONS.map((id) => ({
        specversion: '1.0',
        id: `route-${id}`,
        source: 'urn:wardline:test',
        type: 'wardline.exception.raised',
        subject: id,
        data: {
          taskId: id,
          revision: 1,
          reasonCode: 'unmatched-identifier',
          title: 'Lab result for an unknown patient identifier',
          priority: 'urgent',
          unit: '4W',
        },
      })),
    ];
    await sendAll(
      client,
      INBOUND_QUEUE,
      routing.map((e) => eventMessage(e)),
    );
    await client.close();
    await until(() => broker.entity(INBOUND_QUEUE).totalCount === 0, 15_000, 'the routing events to apply');

    // 1. Killed between commit and publish: Service Bus refuses every send, so nothing leaves the outbox.
    broker.setSendFault(OUTBOUND_TOPIC, 'server-busy');
    await act(relay.url, 'nurse-okafor', TASKS, FOLLOW_UP.slice(0, 2));
    await kill(relay);
    expect(outbox().filter((r) => r.published_at === null)).toHaveLength(12);
    expect(broker.entity(AUDIT).totalCount).toBe(0);

    // 2. Killed between publish and mark: Service Bus stores the batch, the acknowledgement never arrives.
    broker.setSendFault(OUTBOUND_TOPIC, 'hold-acknowledgements');
    relay = await start();
    await until(
      () => broker.entity(AUDIT).totalCount === 12,
      15_000,
      'the restarted relay to send its backlog',
    );
    await act(relay.url, 'nurse-okafor', TASKS.slice(0, 3), FOLLOW_UP.slice(2, 3));
    await kill(relay);
    expect(outbox().filter((r) => r.published_at === null)).toHaveLength(15);

    // 3. Service Bus is healthy again: the backlog goes out once more (the topic drops the repeats).
    broker.setSendFault(OUTBOUND_TOPIC, null);
    relay = await start();
    await act(relay.url, 'nurse-okafor', TASKS.slice(3), FOLLOW_UP.slice(2, 3));
    await act(relay.url, 'nurse-okafor', TASKS, FOLLOW_UP.slice(3));
    await act(relay.url, 'coordinator-sorrel', EXCEPTIONS, [['claim'], ['resolve', { outcome: 'fixed' }]]);
    const total = TASKS.length * FOLLOW_UP.length + EXCEPTIONS.length * 2;
    await until(
      () => outbox().length === total && outbox().every((r) => r.published_at !== null),
      20_000,
      'every outbox row to be published',
    );
    relay.process.kill('SIGTERM');
    expect(await relay.exited).toBe(0);

    const rows = outbox();
    const published = storedEvents(broker.entity(AUDIT));
    // Once each: the topic holds exactly the outbox's events, and the resend was really made (and dropped).
    expect(published.map((m) => m.messageId).sort()).toEqual(
      rows.map((r) => (JSON.parse(r.body) as { id: string }).id).sort(),
    );
    expect(broker.duplicatesDropped(OUTBOUND_TOPIC)).toBeGreaterThanOrEqual(12);

    // In order per task, as the ward did it.
    const typesOf = (taskId: string) =>
      published.filter((m) => m.message.subject === taskId).map((m) => m.body?.type);
    for (const taskId of TASKS) expect(typesOf(taskId)).toEqual(FOLLOW_UP_TYPES);
    for (const taskId of EXCEPTIONS) {
      expect(typesOf(taskId)).toEqual(['wardline.task.claimed', 'wardline.exception.resolved']);
    }
    for (const taskId of [...TASKS, ...EXCEPTIONS]) {
      const seqs = published
        .filter((m) => m.message.subject === taskId)
        .map((m) => (m.body?.data as { seq: number }).seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }

    // What the workflow engine reads without parsing the body, and no patient data in it.
    for (const m of published) {
      const taskId = String(m.message.subject);
      expect(m.message).toMatchObject({
        message_id: m.body?.id,
        group_id: taskId,
        correlation_id: `route-${taskId}`,
        content_type: 'application/cloudevents+json; charset=utf-8',
      });
      expect(m.properties['cloudEvents:type']).toBe(m.body?.type);
      expect(m.body).toMatchObject({ specversion: '1.0', subject: taskId, source: 'urn:wardline:relay' });
      expect(JSON.stringify(m.body)).not.toMatch(/Testpatient|TEST-0001|Patient\//);
    }
  });
});
