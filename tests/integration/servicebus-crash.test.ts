/**
 * Nothing lost, nothing doubled: 10,000 events arrive on Service Bus while the relay is SIGKILLed 20
 * times and restarted each time. Every valid event becomes exactly one task state, the inbound queue
 * ends empty, and the dead-letter queue holds exactly the invalid events.
 */
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';
import { ENGINES, openEngine, type OpenedEngine } from '../helpers/store-engines';
import { ServiceBusTestBroker } from '../helpers/sb-broker';
import {
  eventMessage,
  INBOUND_QUEUE,
  sendAll,
  serviceBusEnv,
  storedEvents,
  until,
} from '../helpers/sb-broker/testing';

const TOTAL_MESSAGES = 10_000;
const KILLS = 20;
/** Upstream is at-least-once too: this many valid events are sent a second time. */
const RESENT = 200;
/** One message in a hundred is poison of some kind. */
const INVALID_EVERY = 100;
/** Each relay instance settles about this many messages before it is killed. */
const SETTLED_PER_LIFE = Math.floor(TOTAL_MESSAGES / (KILLS + 2));
/** The middleware publishes in bursts while the relay dies and restarts. */
const SEND_CHUNK = 1_000;

interface Plan {
  messages: ServiceBusMessage[];
  validIds: Set<string>;
  invalidMessageIds: Set<string>;
}

/** Distinct tasks (their order cannot matter), poison of four kinds, and repeats of earlier events. */
function plan(): Plan {
  const messages: ServiceBusMessage[] = [];
  const validIds = new Set<string>();
  const invalidMessageIds = new Set<string>();
  const valid: ServiceBusMessage[] = [];
  for (let i = 0; messages.length < TOTAL_MESSAGES; i++) {
    if (i > 0 && i % INVALID_EVERY === 0) {
      const poison = poisonMessage(i);
      invalidMessageIds.add(String(poison.messageId));
      messages.push(poison);
    } else if (
      i % 50 === 25 &&
      valid.length > 100 &&
      messages.length - validIds.size - invalidMessageIds.size < RESENT
    ) {
      messages.push(valid[(i * 7919) % valid.length]!); // an earlier event, again
    } else {
      const event =
        i % 3 === 0
          ? exceptionRaised(`crash-${i}`, `crash-evt-${i}`)
          : routed(`crash-${i}`, 1, { unit: ['4W', '5E', 'ICU'][i % 3] }, `crash-evt-${i}`);
      const message = eventMessage(event);
      validIds.add(event.id);
      valid.push(message);
      messages.push(message);
    }
  }
  return { messages, validIds, invalidMessageIds };
}

function exceptionRaised(taskId: string, id: string) {
  return {
    specversion: '1.0',
    id,
    source: 'urn:wardline:test',
    type: 'wardline.exception.raised',
    subject: taskId,
    data: {
      taskId,
      revision: 1,
      reasonCode: 'eligibility-failed',
      title: 'Transport eligibility check failed',
      priority: 'urgent',
      unit: '5E',
    },
  };
}

function poisonMessage(i: number): ServiceBusMessage {
  switch ((i / INVALID_EVERY) % 4) {
    case 0:
      return eventMessage(routed(`poison-${i}`, 1, { priority: 'whenever' }, `poison-evt-${i}`));
    case 1:
      return eventMessage(routed(`poison-${i}`, 1, { title: undefined }, `poison-evt-${i}`));
    case 2:
      return { body: Buffer.from('{"specversion":"1.0",'), messageId: `poison-evt-${i}` };
    default:
      return eventMessage(routed(`poison-${i}`, 1, {}, `poison-evt-${i}`), { messageId: `poison-msg-${i}` });
  }
}

describe.each(ENGINES)('Service Bus inbound under 20 SIGKILLs, on %s', (engine) => {
  const data = tempDir();
  const children: ChildRelay[] = [];
  let broker: ServiceBusTestBroker;
  let store: OpenedEngine;

  beforeAll(async () => {
    store = await openEngine(engine);
    broker = await ServiceBusTestBroker.start({
      // A short lock, so messages in the hands of a killed relay come back within seconds.
      queues: { [INBOUND_QUEUE]: { lockDurationMs: 2_000, maxDeliveryCount: 10 } },
      topics: { 'worklist-outbound': { subscriptions: { audit: {} } } },
    });
  });
  afterAll(async () => {
    for (const child of children) child.process.kill('SIGKILL');
    await broker.close();
    await store.close();
    data.remove();
  });

  it(
    '[SB1] applies every valid event exactly once and dead-letters only the invalid ones',
    // Generous for a loaded machine (not a speed bound): 20 relay starts and 10,000 commits.
    { timeout: 600_000 },
    async () => {
      const { messages, validIds, invalidMessageIds } = plan();
      expect(messages).toHaveLength(TOTAL_MESSAGES);
      const inbound = broker.entity(INBOUND_QUEUE);
      const settled = () => inbound.stats.completed + inbound.stats.deadLettered;
      const env = serviceBusEnv(broker, { DATA_DIR: data.path, ...store.env });

      const client = new ServiceBusClient(broker.connectionString);
      let sent = 0;
      const sending = (async () => {
        for (let at = 0; at < messages.length; at += SEND_CHUNK) {
          await sendAll(client, INBOUND_QUEUE, messages.slice(at, at + SEND_CHUNK));
          sent = at + SEND_CHUNK;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      })();

      let killsWithWork = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const relay = await spawnRelay(env);
        children.push(relay);
        const target = settled() + SETTLED_PER_LIFE;
        await until(
          () => settled() >= target || (sent >= TOTAL_MESSAGES && inbound.totalCount === 0),
          30_000,
          'progress',
        );
        // Mid-stream: with messages in hand, some applied and not yet completed.
        await new Promise((resolve) => setTimeout(resolve, (kill * 7) % 40));
        if (inbound.totalCount > 0) killsWithWork++;
        relay.process.kill('SIGKILL');
        expect(await relay.exited).toBe('SIGKILL');
      }
      await sending;
      await client.close();
      // The kills came while work remained: on a fast, quiet machine the last few lives may drain the
      // queue before their kill, so this asks for most of them, not all.
      expect(killsWithWork).toBeGreaterThanOrEqual(KILLS / 2);

      const last = await spawnRelay(env);
      children.push(last);
      await until(() => inbound.totalCount === 0, 90_000, 'the inbound queue to empty');
      last.process.kill('SIGTERM');
      expect(await last.exited).toBe(0);

      // The kills hit messages in hand: their locks expired and they came back.
      expect(inbound.stats.locksExpired).toBeGreaterThan(0);

      const dead = storedEvents(broker.deadLetterQueue(INBOUND_QUEUE));
      expect(new Set(dead.map((d) => d.messageId))).toEqual(invalidMessageIds);
      expect(dead).toHaveLength(invalidMessageIds.size);
      for (const d of dead) {
        expect(['EventRejected', 'BodyNotJson', 'MessageIdMismatch']).toContain(
          d.properties.DeadLetterReason,
        );
      }

      const db = store.engine;
      const changes = await db.all<{ event_id: string }>(
        'SELECT event_id FROM changes WHERE event_id IS NOT NULL',
      );
      const perEvent = new Map<string, number>();
      for (const { event_id } of changes) perEvent.set(event_id, (perEvent.get(event_id) ?? 0) + 1);
      const missing = [...validIds].filter((id) => !perEvent.has(id));
      const doubled = [...perEvent].filter(([, n]) => n > 1);
      expect(missing).toEqual([]);
      expect(doubled).toEqual([]);
      expect(perEvent.size).toBe(validIds.size);
      const counts = await db.get<Record<string, number>>(
        'SELECT (SELECT COUNT(*) FROM tasks) AS tasks, COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM changes',
      );
      // Seq contiguous from 1: no change lost or doubled between kills.
      expect(counts).toEqual({ tasks: validIds.size, n: counts?.n, lo: 1, hi: counts?.n });

      const output = children.map((c) => c.output()).join('\n');
      expect(output).not.toMatch(/Testpatient|TEST-0001/);
    },
  );
});
