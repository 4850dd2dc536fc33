/**
 * Issue 21, point 10: a relay told to stop must stop. Real relay processes are stormed with connects,
 * disconnects and half-finished handshakes on every transport and protocol, then get SIGTERM in the
 * middle of it; each must be gone within its shutdown deadline, round after round.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { openFlooder, type FloodProtocol, type FloodTransport, type Flooder } from '../helpers/hub-flood';
import { devToken, spawnRelay, startTestRelay, tempDir, type ChildRelay } from '../helpers/relay';

const ROUNDS = 3;
const DEADLINE_S = 3;
/** Process start-up of the signal handler and exit itself, on a loaded machine. */
const EXIT_SLACK_MS = 2_500;
const STAFF = [
  'nurse-okafor',
  'nurse-brightwater',
  'nurse-quillon',
  'nurse-vellacourt',
  'charge-4w-marchbank',
];
const COMBOS: Array<[FloodTransport, FloodProtocol]> = [
  ['WebSockets', 'json'],
  ['WebSockets', 'messagepack'],
  ['ServerSentEvents', 'json'],
  ['LongPolling', 'json'],
  ['LongPolling', 'messagepack'],
];

/** A small deterministic generator, so a failing round can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

interface Storm {
  stop(): Promise<void>;
  counts: { opened: number; half: number; official: number; failed: number };
  /** The first few failures before the signal, to tell a broken storm from a busy relay. */
  errors: string[];
}

/** Connects and disconnects on every transport, leaves handshakes half done, until stopped. */
function storm(relay: ChildRelay, tokens: string[], random: () => number): Storm {
  let running = true;
  const flooders = new Set<Flooder>();
  const sockets = new Set<Socket>();
  const clients = new Set<WorklistClient>();
  const counts = { opened: 0, half: 0, official: 0, failed: 0 };
  const errors: string[] = [];
  const failed = (error: unknown) => {
    counts.failed++;
    if (errors.length < 3) errors.push(error instanceof Error ? error.message : String(error));
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const port = Number(new URL(relay.url).port);

  const loops = [
    // Raw clients: some finish the handshake, some stop after the transport started; all leave soon.
    ...Array.from({ length: 6 }, async () => {
      while (running) {
        const [transport, protocol] = pick(COMBOS);
        try {
          const flooder = await openFlooder({
            url: relay.url,
            accessToken: pick(tokens),
            transport,
            protocol,
            skipHandshake: random() < 0.4,
          });
          flooders.add(flooder);
          counts.opened++;
          await delay(random() * 60);
          if (random() < 0.7) {
            flooder.stop();
            flooders.delete(flooder);
          }
        } catch (error) {
          failed(error);
          await delay(5);
        }
      }
    }),
    // HTTP-level half handshakes: an upgrade or a request whose headers never finish.
    (async () => {
      while (running) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        sockets.add(socket);
        socket.write(
          random() < 0.5
            ? `GET /hubs/worklist?id=x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
            : `POST /hubs/worklist/negotiate?negotiateVersion=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n{`,
        );
        counts.half++;
        await delay(20);
      }
    })(),
    // Official clients with automatic reconnect, as the PWA's, coming and going.
    ...Array.from({ length: 2 }, async () => {
      while (running) {
        const [transport, protocol] = pick(COMBOS);
        try {
          const client = await connectAs(relay.url, pick(STAFF), {
            transport,
            protocol,
            reconnectDelays: [0, 20, 50],
          });
          clients.add(client);
          counts.official++;
          await delay(random() * 100);
          if (random() < 0.5) {
            await client.stop();
            clients.delete(client);
          }
        } catch (error) {
          failed(error);
          await delay(10);
        }
      }
    }),
  ];

  return {
    counts,
    errors,
    async stop() {
      running = false;
      for (const flooder of flooders) flooder.stop();
      for (const socket of sockets) socket.destroy();
      await Promise.allSettled([...clients].map((c) => c.stop()));
      await Promise.allSettled(loops);
      for (const flooder of flooders) flooder.stop();
      for (const socket of sockets) socket.destroy();
    },
  };
}

describe('a relay told to stop stops (issue 21 point 10)', () => {
  const alive: ChildRelay[] = [];
  afterAll(async () => {
    for (const relay of alive) relay.process.kill('SIGKILL');
    await Promise.all(alive.map((r) => r.exited));
  });

  it(`[F8] exits within its deadline after SIGTERM during a storm of connects, disconnects and half handshakes, ${ROUNDS} times`, async () => {
    const exits: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const data = tempDir();
      const relay = await spawnRelay({
        DATA_DIR: data.path,
        STATIC_DIR: `${data.path}/no-pwa`,
        SHUTDOWN_DEADLINE_SECONDS: String(DEADLINE_S),
      });
      alive.push(relay);
      const tokens = await Promise.all(STAFF.map((id) => devToken(relay.url, id)));
      const random = rng(round + 1);
      const running = storm(relay, tokens, random);
      // Until the storm is in full swing (several clients through), then a little more.
      for (
        let waited = 0;
        running.counts.opened + running.counts.official < 5 && waited < 10_000;
        waited += 20
      )
        await delay(20);
      await delay(random() * 500);
      const signalledAt = performance.now();
      relay.process.kill('SIGTERM');
      // The storm goes on while the relay shuts down: clients keep coming and going.
      const code = await Promise.race([relay.exited, delay(DEADLINE_S * 1000 + EXIT_SLACK_MS, 'alive')]);
      const tookMs = performance.now() - signalledAt;
      await running.stop();
      if (code === 'alive') {
        relay.process.kill('SIGKILL');
        await relay.exited;
      }
      alive.splice(alive.indexOf(relay), 1);
      data.remove();
      console.log(
        `[shutdown] round ${round}: exit ${String(code)} after ${Math.round(tookMs)} ms; storm ${JSON.stringify(running.counts)} ${JSON.stringify(running.errors)}`,
      );
      expect(
        code,
        `round ${round}: the relay was still running ${Math.round(tookMs)} ms after SIGTERM`,
      ).not.toBe('alive');
      // 0: closed in time; 1: the deadline cut what was left. Never the watchdog's SIGKILL.
      expect([0, 1]).toContain(code);
      expect(running.counts.opened).toBeGreaterThan(0);
      exits.push(tookMs);
    }
    expect(exits).toHaveLength(ROUNDS);
    // Each round spawns a relay (several seconds on a loaded machine) and storms it.
  }, 120_000);

  it('[F8] stops accepting before it closes: a new request is refused while hub clients are still being closed', async () => {
    const relay = await startTestRelay();
    const client = await connectAs(relay.url, 'nurse-okafor', { transport: 'LongPolling' });
    let closed = false;
    const closing = relay.stop().then(() => (closed = true));
    await expect(fetch(`${relay.url}/healthz`)).rejects.toThrow();
    expect(closed).toBe(false);
    await closing;
    await client.stop();
  });
});
