import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs, eventually, type ClientOptions, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

const COMBINATIONS: Array<[string, ClientOptions]> = [
  ['WebSockets + JSON', { transport: 'WebSockets', protocol: 'json' }],
  ['WebSockets + MessagePack', { transport: 'WebSockets', protocol: 'messagepack' }],
  ['Server-Sent Events + JSON', { transport: 'ServerSentEvents', protocol: 'json' }],
  ['Long Polling + JSON', { transport: 'LongPolling', protocol: 'json' }],
  ['Long Polling + MessagePack', { transport: 'LongPolling', protocol: 'messagepack' }],
];

describe('the worklist hub with the official client', () => {
  let relay: TestRelay;
  const clients: WorklistClient[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    const ingest = await devToken(relay.url, 'integration-engine');
    const events = COMBINATIONS.flatMap((_, i) => [
      routed(`4w-${i}`, 1, { unit: '4W' }),
      routed(`5e-${i}`, 1, { unit: '5E' }),
    ]);
    expect((await postEvents(relay.url, ingest, events)).status).toBe(202);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await relay.stop();
  });

  it.each(COMBINATIONS.map(([name, options], i) => [name, options, i] as const))(
    '[H1][H4] %s: sync, claim, and the change reaches a 4W colleague and not a 5E nurse',
    async (_name, options, i) => {
      const okafor = await connectAs(relay.url, 'nurse-okafor', options);
      const colleague = await connectAs(relay.url, 'nurse-brightwater', options);
      const elsewhere = await connectAs(relay.url, 'nurse-quillon', options);
      clients.push(okafor, colleague, elsewhere);

      const view = await okafor.syncAll(0);
      expect([...view.tasks.keys()].every((id) => id.startsWith('4w-'))).toBe(true);
      expect(view.tasks.has(`4w-${i}`)).toBe(true);
      expect(view.cursor).toBe(await relay.relay.store.lastSeq());

      const result = await okafor.execute(`4w-${i}`, 'claim');
      expect(result.status).toBe('applied');
      expect(result.task?.owner?.name).toBe('R. Okafor');

      const seen = await eventually(() => colleague.received.changed.find((t) => t.id === `4w-${i}`));
      expect(seen.owner?.id).toBe('nurse-okafor');
      expect(seen.seq).toBe(result.task?.seq);
      // Give a misrouted message time to arrive before asserting it did not.
      await new Promise((r) => setTimeout(r, 200));
      expect(elsewhere.received.changed.filter((t) => t.unit === '4W')).toEqual([]);
      const otherView = await elsewhere.syncAll(0);
      expect([...otherView.tasks.keys()].some((id) => id.startsWith('4w-'))).toBe(false);
    },
  );
});
