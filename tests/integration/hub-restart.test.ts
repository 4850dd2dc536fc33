import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import {
  checksumOf,
  connectAs,
  eventually,
  Mirror,
  type ClientOptions,
  type WorklistClient,
} from '../helpers/hub-client';
import { devToken, postEvents, spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';
import { ENGINES, openEngine, type OpenedEngine } from '../helpers/store-engines';

const TASKS = 100;
const CHANGES = 500;
const BATCH = 10;
/** Keeps retrying through a restart: the default policy gives up after four tries. */
const RECONNECT = Array.from({ length: 120 }, () => 250);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The n-th change: a new snapshot of one of the tasks, sometimes moving it between 4W and 5E. */
function change(n: number) {
  const task = n % TASKS;
  const revision = 2 + Math.floor(n / TASKS);
  const unit = n % 7 === 0 ? '5E' : '4W';
  return routed(
    `restart-${task}`,
    revision,
    { unit, title: `Discharge plan v${revision}` },
    `restart-change-${n}`,
  );
}

/**
 * [H8] The relay is SIGKILLed and restarted while 500 tasks change: clients reconnect on their own,
 * resync from their cursor, and end with exactly the relay's state.
 */
describe.each(ENGINES)('a relay on %s restarted in the middle of 500 changes', (engine) => {
  const data = tempDir();
  const relays: ChildRelay[] = [];
  const clients: WorklistClient[] = [];
  let store: OpenedEngine;
  let env: Record<string, string>;
  beforeAll(async () => {
    store = await openEngine(engine);
    env = { DATA_DIR: data.path, ...store.env };
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    for (const r of relays) r.process.kill('SIGKILL');
    await store.close();
    data.remove();
  });

  it(
    'ends with every client equal to the relay (checksum), with no reload',
    { timeout: 180_000 },
    async () => {
      const port = String(await freePort());
      const first = await spawnRelay({ ...env, PORT: port });
      relays.push(first);
      const url = first.url;
      let ingest = await devToken(url, 'integration-engine');
      const initial = Array.from({ length: TASKS }, (_, i) =>
        routed(`restart-${i}`, 1, {}, `restart-initial-${i}`),
      );
      expect((await postEvents(url, ingest, initial)).status).toBe(202);

      const who: Array<[string, ClientOptions]> = [
        ['nurse-okafor', { transport: 'WebSockets', protocol: 'json' }],
        ['charge-5e-fennimore', { transport: 'ServerSentEvents', protocol: 'json' }],
        ['coordinator-sorrel', { transport: 'LongPolling', protocol: 'messagepack' }],
      ];
      const mirrors: Mirror[] = [];
      for (const [staff, options] of who) {
        const client = await connectAs(url, staff, { ...options, reconnectDelays: RECONNECT });
        clients.push(client);
        const mirror = new Mirror(client);
        await mirror.catchUp();
        mirrors.push(mirror);
      }

      let sent = 0;
      let restarted = false;
      while (sent < CHANGES) {
        const batch = Array.from({ length: BATCH }, (_, k) => change(sent + k));
        if (!restarted && sent >= CHANGES / 2) {
          relays[0]!.process.kill('SIGKILL');
          await relays[0]!.exited;
          relays.push(await spawnRelay({ ...env, PORT: port }));
          ingest = await devToken(url, 'integration-engine');
          restarted = true;
        }
        const res = await postEvents(url, ingest, batch);
        expect(res.status).toBe(202);
        sent += BATCH;
      }
      expect(restarted).toBe(true);

      // The truth: a fresh connection per person, synced from zero.
      const truth = new Map<string, string>();
      for (const [staff] of who) {
        const fresh = await connectAs(url, staff);
        truth.set(staff, checksumOf((await fresh.syncAll(0)).tasks.values()));
        await fresh.stop();
      }
      for (const [i, [staff]] of who.entries()) {
        const mirror = mirrors[i]!;
        await eventually(() => mirror.checksum() === truth.get(staff), 20_000).catch(() => undefined);
        if (mirror.checksum() !== truth.get(staff)) {
          const a = new Set(mirror.checksum().split('|'));
          const b = new Set(truth.get(staff)!.split('|'));
          console.log(
            JSON.stringify({
              staff,
              extra: [...a].filter((x) => !b.has(x)),
              missing: [...b].filter((x) => !a.has(x)),
              cursor: mirror.cursor,
            }),
          );
        }
        expect(mirror.checksum(), `${staff}'s view`).toBe(truth.get(staff));
        expect(mirror.tasks.size).toBeGreaterThan(0);
      }
    },
  );
});
