/**
 * Fuzzing: random and mutated frames (JSON and MessagePack, valid prefixes with corrupted bodies,
 * several records per frame) at the parsers directly and at live connections, while official-client
 * connections keep invoking without a single error. Seeded: a failure prints the seed to replay with
 * SIGNALR_FUZZ_SEED.
 */
import { createRandom } from '../../server/src/demo/random';
import type { HubConnection } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../server/src/signalr/errors';
import { parseHandshake } from '../../server/src/signalr/protocols/handshake';
import { jsonProtocol } from '../../server/src/signalr/protocols/json';
import { messagePackProtocol } from '../../server/src/signalr/protocols/msgpack';
import {
  WARN,
  connectClient,
  eventually,
  startHarness,
  tokenFor,
  type Harness,
} from '../helpers/signalr-harness';
import { jsonRecord, msgpackRecord, openRawSocket } from '../helpers/signalr-raw';

const SEED = Number(process.env.SIGNALR_FUZZ_SEED ?? Date.now() % 2 ** 31);
const WIRE_FRAMES = 100_000;
const FRAMES_PER_SESSION = 1_000;
const PARALLEL_SESSIONS = 8;
const POST_FRAMES = 1_000;
const PARSER_FRAMES = 150_000;
const MAX_MESSAGE_BYTES = 8_192;

/** The project's seeded generator (server/src/demo/random.ts): a failing seed replays exactly. */
function createRng(seed: number): () => number {
  return createRandom(seed).next;
}

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)] as T;

const TARGETS = [
  'echo',
  'add',
  'ADD',
  'whoAmI',
  'nothing',
  'throwPlain',
  'throwSafe',
  'joinGroup',
  'nope',
  '',
  'e\u0000cho',
  '💥',
];
const STRINGS = ['', 'a', 'hé ✓', '\x1e', '\u0000', '"', '\\', '{"type":1}', '\ud83d', 'x'.repeat(300)];

function randomValue(rng: Rng, depth = 0): unknown {
  switch (int(rng, depth > 2 ? 5 : 7)) {
    case 0:
      return int(rng, 2000) - 1000;
    case 1:
      return pick(rng, [0, -0, 1.5, 1e308, -1e-308, Number.MAX_SAFE_INTEGER]);
    case 2:
      return pick(rng, STRINGS);
    case 3:
      return pick(rng, [true, false, null]);
    case 4:
      return String.fromCharCode(...Array.from({ length: int(rng, 12) }, () => int(rng, 0xffff)));
    case 5:
      return Array.from({ length: int(rng, 4) }, () => randomValue(rng, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: int(rng, 4) }, () => [pick(rng, STRINGS), randomValue(rng, depth + 1)]),
      );
  }
}

const TYPES = [1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 0, 10, -1, 1.5, '1', null];

/** A JSON record with plausible and implausible fields: mostly invocations, sometimes nonsense. */
function randomJsonMessage(rng: Rng): Record<string, unknown> {
  const message: Record<string, unknown> = { type: pick(rng, TYPES) };
  if (rng() < 0.8) message.invocationId = rng() < 0.9 ? String(int(rng, 1e6)) : randomValue(rng);
  if (rng() < 0.85) message.target = rng() < 0.9 ? pick(rng, TARGETS) : randomValue(rng);
  if (rng() < 0.9)
    message.arguments =
      rng() < 0.9 ? Array.from({ length: int(rng, 3) }, () => randomValue(rng)) : randomValue(rng);
  if (rng() < 0.05) message.streamIds = rng() < 0.5 ? [] : randomValue(rng);
  if (rng() < 0.05) message.headers = rng() < 0.5 ? { a: 'b' } : randomValue(rng);
  if (rng() < 0.05) message.result = randomValue(rng);
  if (rng() < 0.05) message.error = randomValue(rng);
  if (rng() < 0.02) message.allowReconnect = randomValue(rng);
  if (rng() < 0.02) message.sequenceId = randomValue(rng);
  return message;
}

function randomMsgpackMessage(rng: Rng): unknown[] {
  const type = pick(rng, TYPES);
  const fields: unknown[] = [type, rng() < 0.9 ? {} : randomValue(rng)];
  fields.push(rng() < 0.8 ? String(int(rng, 1e6)) : randomValue(rng));
  fields.push(rng() < 0.9 ? pick(rng, TARGETS) : randomValue(rng));
  fields.push(rng() < 0.9 ? Array.from({ length: int(rng, 3) }, () => randomValue(rng)) : randomValue(rng));
  if (rng() < 0.3) fields.push(rng() < 0.5 ? [] : randomValue(rng));
  return fields.slice(0, 1 + int(rng, fields.length + 1));
}

function randomBytes(rng: Rng, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => int(rng, 256)));
}

const SPECIAL_BYTES = [0x1e, 0x00, 0xff, 0x80, 0x7f, 0x22, 0x7b, 0x5d, 0xc1, 0xdc, 0xdd, 0x91];

/** Byte-level corruption of a (usually valid) frame. */
function mutate(rng: Rng, frame: Buffer): Buffer {
  const at = int(rng, frame.length + 1);
  switch (int(rng, 8)) {
    case 0: {
      const copy = Buffer.from(frame);
      if (copy.length > 0) copy[at % copy.length] = (copy[at % copy.length] as number) ^ (1 << int(rng, 8));
      return copy;
    }
    case 1:
      return frame.subarray(0, at);
    case 2:
      return Buffer.concat([frame.subarray(0, at), randomBytes(rng, 1 + int(rng, 8)), frame.subarray(at)]);
    case 3:
      return Buffer.concat([
        frame.subarray(0, at),
        frame.subarray(Math.min(frame.length, at + 1 + int(rng, 8))),
      ]);
    case 4:
      // A valid prefix with a corrupted body.
      return Buffer.concat([frame.subarray(0, at), randomBytes(rng, frame.length - at)]);
    case 5: {
      const copy = Buffer.from(frame);
      if (copy.length > 0) copy[at % copy.length] = pick(rng, SPECIAL_BYTES);
      return copy;
    }
    case 6:
      return randomBytes(rng, int(rng, 64));
    default:
      return Buffer.concat([frame, frame.subarray(0, at)]);
  }
}

const BENIGN_TARGETS = TARGETS.filter((t) => t.length > 0);

/** A well-formed record with random content: never a reason to close the connection. */
function benignRecord(rng: Rng, protocol: 'json' | 'messagepack'): Buffer {
  const id = String(int(rng, 1e6));
  const target = pick(rng, BENIGN_TARGETS);
  const args = Array.from({ length: int(rng, 3) }, () => randomValue(rng));
  const item = randomValue(rng);
  const json: Array<Record<string, unknown>> = [
    { type: 1, invocationId: id, target, arguments: args },
    { type: 1, target, arguments: args },
    { type: 4, invocationId: id, target, arguments: args },
    { type: 2, invocationId: id, item },
    { type: 3, invocationId: id, result: item },
    { type: 5, invocationId: id },
    { type: 6 },
  ];
  const pack: unknown[][] = [
    [1, {}, id, target, args],
    [1, {}, null, target, args, []],
    [4, {}, id, target, args],
    [2, {}, id, item],
    [3, {}, id, 3, item],
    [5, {}, id],
    [6],
  ];
  const choice = int(rng, json.length);
  return protocol === 'json' ? Buffer.from(jsonRecord(json[choice])) : msgpackRecord(pack[choice]);
}

/** A record built from random fields: often, not always, invalid. */
function hostileRecord(rng: Rng, protocol: 'json' | 'messagepack'): Buffer {
  return protocol === 'json'
    ? Buffer.from(jsonRecord(randomJsonMessage(rng)))
    : msgpackRecord(randomMsgpackMessage(rng));
}

/**
 * One frame of 1–5 records. Each record is hostile with probability `chaos` (random fields, or the
 * whole frame corrupted byte by byte); the rest are well-formed with random content.
 */
function randomFrame(rng: Rng, protocol: 'json' | 'messagepack', chaos: number): Buffer {
  const records = rng() < 0.15 ? 2 + int(rng, 4) : 1;
  const parts = Array.from({ length: records }, () =>
    rng() < chaos / 2 ? hostileRecord(rng, protocol) : benignRecord(rng, protocol),
  );
  const frame = Buffer.concat(parts);
  return rng() < chaos / 2 ? mutate(rng, frame) : frame;
}

function handshakeFrame(rng: Rng, protocol: 'json' | 'messagepack'): Buffer {
  const valid = Buffer.from(jsonRecord({ protocol, version: 1 }));
  if (rng() < 0.9) return valid;
  return rng() < 0.5
    ? mutate(rng, valid)
    : Buffer.from(jsonRecord({ protocol: randomValue(rng), version: randomValue(rng) }));
}

describe(`fuzzing (seed ${SEED})`, () => {
  it(`parsers only ever throw ProtocolError, over ${PARSER_FRAMES} frames`, () => {
    const rng = createRng(SEED);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < PARSER_FRAMES; i++) {
      const protocol = i % 2 === 0 ? jsonProtocol : messagePackProtocol;
      const frame = i % 10 === 0 ? handshakeFrame(rng, protocol.name) : randomFrame(rng, protocol.name, 0.6);
      try {
        if (i % 10 === 0) {
          parseHandshake(frame, {
            maxMessageBytes: MAX_MESSAGE_BYTES,
            enabled: ['json', 'messagepack'],
            transferFormats: ['Text', 'Binary'],
          });
        } else {
          protocol.parse(frame, MAX_MESSAGE_BYTES, () => undefined);
        }
        accepted++;
      } catch (err) {
        if (!(err instanceof ProtocolError)) {
          throw new Error(`seed ${SEED}, frame ${i} (${frame.toString('hex')}): ${String(err)}`, {
            cause: err,
          });
        }
        refused++;
      }
    }
    // Both paths were exercised in earnest.
    expect(accepted).toBeGreaterThan(PARSER_FRAMES / 10);
    expect(refused).toBeGreaterThan(PARSER_FRAMES / 10);
  });

  describe('live connections', () => {
    let harness: Harness;
    const witnesses: HubConnection[] = [];

    beforeAll(async () => {
      harness = await startHarness({
        logLevel: 'warn',
        limits: {
          maxMessageBytes: MAX_MESSAGE_BYTES,
          // This measures the parser under hostile bytes, not fairness (hub-fairness.test.ts does):
          // at the default rates, the fuzzer's valid invocations would wait out minutes of turns.
          invocationsPerSecond: 1e6,
          invocationBurst: 1e6,
          userInvocationsPerSecond: 1e6,
          userInvocationBurst: 1e6,
        },
      });
      witnesses.push(
        await connectClient(harness, { user: 'witness', transport: 'WebSockets', protocol: 'json' }),
        await connectClient(harness, { user: 'witness', transport: 'WebSockets', protocol: 'messagepack' }),
        await connectClient(harness, { user: 'witness', transport: 'LongPolling', protocol: 'json' }),
      );
    });

    afterAll(async () => {
      await Promise.all(witnesses.map((w) => w.stop()));
      await harness.close();
    });

    it(`survive ${WIRE_FRAMES + POST_FRAMES} hostile frames while official clients keep invoking`, async () => {
      const rng = createRng(SEED ^ 0x5eed);
      let running = true;
      let witnessCalls = 0;
      const witnessErrors: unknown[] = [];
      const witnessLoops = witnesses.map(async (witness, w) => {
        while (running) {
          const payload = { w, n: witnessCalls, text: 'hé ✓\x1e"' };
          try {
            const echoed = await witness.invoke('echo', payload);
            if (JSON.stringify(echoed) !== JSON.stringify(payload))
              witnessErrors.push(new Error('echo mismatch'));
            witnessCalls++;
          } catch (err) {
            witnessErrors.push(err);
          }
        }
      });

      let framesSent = 0;
      let sessions = 0;
      async function session(): Promise<void> {
        const protocol = rng() < 0.5 ? 'json' : 'messagepack';
        const chaos = pick(rng, [0.001, 0.005, 0.02, 0.1, 0.5]);
        const socket = await openRawSocket(harness, { user: 'fuzz', protocol });
        sessions++;
        socket.send(handshakeFrame(rng, protocol));
        for (let i = 0; i < FRAMES_PER_SESSION; i++) {
          if (socket.ws.readyState !== socket.ws.OPEN) break;
          socket.ws.send(randomFrame(rng, protocol, chaos), {
            binary: protocol === 'messagepack' || rng() < 0.5,
          });
          framesSent++;
          // Let the server read between bursts instead of queueing the whole session at once.
          if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
        }
        socket.close();
      }
      async function worker(): Promise<void> {
        while (framesSent < WIRE_FRAMES) await session();
      }
      await Promise.all(Array.from({ length: PARALLEL_SESSIONS }, worker));

      // Hostile POST bodies over long polling, where each body goes through the same parser.
      let postsSent = 0;
      while (postsSent < POST_FRAMES) {
        const negotiated = await fetch(`${harness.hubUrl}/negotiate?negotiateVersion=1`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${tokenFor('fuzz')}` },
        });
        const { connectionToken } = (await negotiated.json()) as { connectionToken: string };
        const url = `${harness.hubUrl}?id=${connectionToken}`;
        const headers = { Authorization: `Bearer ${tokenFor('fuzz')}` };
        await (await fetch(url, { headers })).arrayBuffer();
        const protocol = rng() < 0.5 ? 'json' : 'messagepack';
        for (let i = 0; i < 50 && postsSent < POST_FRAMES; i++) {
          const body = i === 0 ? handshakeFrame(rng, protocol) : randomFrame(rng, protocol, 0.3);
          const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body) });
          await res.arrayBuffer();
          expect([200, 404, 413]).toContain(res.status);
          postsSent++;
          if (res.status === 404) break;
        }
        await fetch(url, { method: 'DELETE', headers });
      }

      running = false;
      await Promise.all(witnessLoops);
      expect(framesSent).toBeGreaterThanOrEqual(WIRE_FRAMES);
      expect(witnessErrors).toEqual([]);
      expect(witnessCalls).toBeGreaterThan(50);

      // Every fuzz connection is gone; the witnesses are still there and working.
      await eventually(
        () => [...harness.signalr.connections()].every((c) => c.userId === 'witness'),
        5_000,
        'fuzz connections to close',
      );
      await Promise.all(witnesses.map(async (w) => expect(await w.invoke('add', 2, 3)).toBe(5)));
      // The library itself never failed: the only errors logged are the test hub's own throws.
      const unexpected = harness.logs.filter((l) => l.level > WARN && l.msg !== 'signalr: hub method threw');
      expect(unexpected).toEqual([]);
      // At most one warning per connection (a connection is logged once, then ignored).
      const perConnection = new Map<unknown, number>();
      for (const line of harness.logs.filter((l) => l.level === WARN)) {
        perConnection.set(line.connectionId, (perConnection.get(line.connectionId) ?? 0) + 1);
      }
      expect([...perConnection.values()].every((n) => n === 1)).toBe(true);
      expect(perConnection.size).toBeGreaterThan(sessions / 4);
      console.log(
        `fuzz seed ${SEED}: ${framesSent} WebSocket frames in ${sessions} sessions, ${postsSent} POSTs, ${witnessCalls} witness calls`,
      );
    });
  });
});
