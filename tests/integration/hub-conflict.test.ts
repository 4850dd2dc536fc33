import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

describe('two nurses claim the same task at the same instant', () => {
  let relay: TestRelay;
  let okafor: WorklistClient;
  let brightwater: WorklistClient;

  beforeAll(async () => {
    relay = await startTestRelay();
    const ingest = await devToken(relay.url, 'integration-engine');
    const events = Array.from({ length: 20 }, (_, i) => routed(`race-${i}`, 1));
    expect((await postEvents(relay.url, ingest, events)).status).toBe(202);
    okafor = await connectAs(relay.url, 'nurse-okafor', { transport: 'WebSockets' });
    brightwater = await connectAs(relay.url, 'nurse-brightwater', {
      transport: 'LongPolling',
      protocol: 'messagepack',
    });
  });
  afterAll(async () => {
    await okafor.stop();
    await brightwater.stop();
    await relay.stop();
  });

  it('[H6] exactly one is applied; the other is a conflict naming the owner; both screens converge', async () => {
    for (let i = 0; i < 20; i++) {
      const id = `race-${i}`;
      const [a, b] = await Promise.all([okafor.execute(id, 'claim'), brightwater.execute(id, 'claim')]);
      const results = [a, b];
      const applied = results.filter((r) => r.status === 'applied');
      const conflicts = results.filter((r) => r.status === 'rejected');
      expect(applied).toHaveLength(1);
      expect(conflicts).toHaveLength(1);
      const winner = applied[0]!.task!.owner!;
      const loser = conflicts[0]!;
      expect(loser.status === 'rejected' && loser.code).toBe('conflict');
      expect(loser.status === 'rejected' && loser.message).toMatch(
        new RegExp(`^Already claimed by ${winner.name.replace('.', '\\.')} at \\d\\d:\\d\\d\\.$`),
      );
      // The loser's answer carries the relay's version, so the screen can show the real owner at once.
      expect(loser.task?.owner?.id).toBe(winner.id);

      // Both screens end on the same owner through the live push.
      for (const client of [okafor, brightwater]) {
        const latest = await eventually(() => {
          const pushed = client.received.changed.filter((t) => t.id === id).at(-1);
          return pushed && pushed.owner ? pushed : undefined;
        });
        expect(latest.owner?.id).toBe(winner.id);
      }
    }
    // The audit trail holds one claim per task, never two.
    for (let i = 0; i < 20; i++) {
      expect(
        (await relay.relay.store.auditTrail(`race-${i}`)).filter((e) => e.change === 'claimed'),
      ).toHaveLength(1);
    }
  });

  it('[H7] repeating a command id returns the original answer and changes nothing', async () => {
    const commandId = crypto.randomUUID();
    const first = await okafor.execute('race-0', 'comment', { text: 'Family arriving at 3' }, commandId);
    const again = await okafor.execute('race-0', 'comment', { text: 'Family arriving at 3' }, commandId);
    expect(first.status).toBe('applied');
    expect(again.status).toBe('duplicate');
    expect(again.status === 'duplicate' && again.original).toBe('applied');
    expect(
      (await relay.relay.store.getTask('race-0'))?.comments.filter((c) => c.text === 'Family arriving at 3'),
    ).toHaveLength(1);
  });
});
