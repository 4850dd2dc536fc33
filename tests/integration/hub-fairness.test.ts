/**
 * Issue 21, point 1: one person's flood must not freeze the relay for everyone else. A real relay
 * process holds a busy ward; one nurse floods `sync` invocations by hand (a thousand in one frame or
 * POST, then frames as fast as the transport takes them) while a colleague's official client and a
 * health checker measure how long they wait. Run once per transport and protocol.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routed } from '../helpers/events';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import {
  FloodRefused,
  openFlooder,
  syncBatch,
  type FloodProtocol,
  type FloodTransport,
  type Flooder,
} from '../helpers/hub-flood';
import { devToken, postEvents, spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';

/**
 * Tasks on 4W. The attacker works on 5E: each of its `sync(1)` pages is small (nothing it sees) yet
 * makes the relay read a thousand tasks and look up each one's history, so no slow-consumer rule
 * stops it.
 */
const WARD_TASKS = 2_000;
const FLOOD_MS = 3_000;
const PROBE_GAP_MS = 20;
/**
 * Enough samples for a p99 to mean something: each loop runs at least FLOOD_MS and until it has this
 * many, so a loaded machine (slow but fair calls) is measured longer instead of failing on a count.
 * The cap only ends a wait that the p99 bound fails anyway: fewer samples than this within the cap
 * means calls averaging over P99_BOUND_MS.
 */
const MIN_SAMPLES = 20;
const SAMPLE_CAP_MS = 45_000;
/**
 * The issue asks for 200 ms at p99, and the figure is printed beside the same probe's p99 without a
 * flood. The assertion leaves room for a two-core machine shared with other test runs (load averages
 * of 15 were seen here), and still fails the unfair relay, whose stalls were 5–38 s.
 */
const P99_BOUND_MS = 2_000;

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Infinity;
}

const QUIET_MS = 1_500;

/**
 * A colleague's `sync` calls and a health checker, each in a loop for at least `ms` and until it has
 * `MIN_SAMPLES` (at most `SAMPLE_CAP_MS`); their latencies.
 */
async function measure(
  probe: WorklistClient,
  cursor: number,
  ms: number,
): Promise<{ callMs: number[]; healthMs: number[] }> {
  const callMs: number[] = [];
  const healthMs: number[] = [];
  const start = performance.now();
  const more = (samples: number[]) => {
    const elapsed = performance.now() - start;
    return elapsed < SAMPLE_CAP_MS && (elapsed < ms || samples.length < MIN_SAMPLES);
  };
  await Promise.all([
    (async () => {
      while (more(callMs)) {
        const t0 = performance.now();
        const page = await probe.sync(cursor);
        callMs.push(performance.now() - t0);
        expect(page.complete).toBe(true);
        await delay(PROBE_GAP_MS);
      }
    })(),
    (async () => {
      while (more(healthMs)) {
        const t0 = performance.now();
        const res = await fetch(`${healthUrl}/healthz`);
        await res.arrayBuffer();
        healthMs.push(performance.now() - t0);
        expect(res.status).toBe(200);
        await delay(PROBE_GAP_MS);
      }
    })(),
  ]);
  return { callMs, healthMs };
}
let healthUrl = '';

const COMBOS: Array<[FloodTransport, FloodProtocol]> = [
  ['WebSockets', 'json'],
  ['WebSockets', 'messagepack'],
  ['ServerSentEvents', 'json'],
  ['LongPolling', 'json'],
  ['LongPolling', 'messagepack'],
];

describe('fairness under one person flooding the hub (issue 21 point 1)', () => {
  const data = tempDir();
  let relay: ChildRelay;
  let attackerToken: string;

  beforeAll(async () => {
    relay = await spawnRelay({ DATA_DIR: data.path, STATIC_DIR: `${data.path}/no-pwa`, LOG_LEVEL: 'info' });
    healthUrl = relay.url;
    const ingest = await devToken(relay.url, 'integration-engine');
    const events = Array.from({ length: WARD_TASKS }, (_, i) => routed(`ward-${i}`, 1, { unit: '4W' }));
    for (let i = 0; i < events.length; i += 250)
      expect((await postEvents(relay.url, ingest, events.slice(i, i + 250))).status).toBe(202);
    attackerToken = await devToken(relay.url, 'nurse-quillon');
  });

  afterAll(async () => {
    relay?.process.kill('SIGKILL');
    if (relay) await relay.exited;
    data.remove();
  });

  for (const [transport, protocol] of COMBOS) {
    it(
      `[F1][F2][F3][F6] ${transport}/${protocol}: a colleague's calls and /healthz stay fast while one connection floods`,
      { timeout: 120_000 },
      async () => {
        const probe: WorklistClient = await connectAs(relay.url, 'nurse-brightwater', {
          transport,
          protocol,
        });
        const { cursor } = await probe.syncAll(0);
        // The same measurement without a flood: what this machine gives at the moment, for comparison.
        const quiet = await measure(probe, cursor, QUIET_MS);
        const flooders: Flooder[] = [];
        const open = () => openFlooder({ url: relay.url, accessToken: attackerToken, transport, protocol });
        try {
          // The attack as reported: a thousand sync calls in one transport message.
          const first = await open();
          flooders.push(first);
          const sentFirst = first.send(syncBatch(protocol, 1_000, 'burst', 1));

          let flooding = true;
          const flood = (async () => {
            let current = first;
            let n = 0;
            while (flooding) {
              if (current.isClosed()) {
                try {
                  current = await open();
                  flooders.push(current);
                } catch (error) {
                  if (!(error instanceof FloodRefused)) throw error;
                  await delay(50);
                  continue;
                }
              }
              if (current.backlog() > 1024 * 1024) {
                await delay(10);
                continue;
              }
              const sent = current.send(syncBatch(protocol, 32, `flood-${n++}`, 1));
              // A WebSocket takes frames as fast as it can write them; POSTs wait for their answer.
              if (transport === 'WebSockets') await delay(1);
              else await sent;
            }
          })();

          const flooded = await measure(probe, cursor, FLOOD_MS);
          // Stop the attacker first: its last POST may be waiting out its own rate limit.
          flooding = false;
          for (const flooder of flooders) flooder.stop();
          await flood;
          await sentFirst;

          const figures = {
            transport,
            protocol,
            callP99Ms: Math.round(p99(flooded.callMs)),
            healthP99Ms: Math.round(p99(flooded.healthMs)),
            quietCallP99Ms: Math.round(p99(quiet.callMs)),
            quietHealthP99Ms: Math.round(p99(quiet.healthMs)),
            calls: flooded.callMs.length,
            healthChecks: flooded.healthMs.length,
            floodConnections: flooders.length,
          };
          console.log(`[fairness] ${JSON.stringify(figures)}`);
          // F1: the thousand-call message closed that connection, with a reason, instead of being run.
          expect(first.closeError()).toMatch(/too many invocations in one message/i);
          expect(figures.callP99Ms).toBeLessThan(P99_BOUND_MS);
          expect(figures.healthP99Ms).toBeLessThan(P99_BOUND_MS);
          // Enough samples for a p99 to mean something, which a frozen relay would not have given.
          expect(flooded.callMs.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
          expect(flooded.healthMs.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
        } finally {
          for (const flooder of flooders) flooder.stop();
          await probe.stop();
        }
      },
    );
  }
});
