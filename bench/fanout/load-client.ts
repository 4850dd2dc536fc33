/**
 * The lean load client: thousands of WebSocket connections in one process, spoken at the protocol level
 * on raw TCP sockets (HTTP upgrade, RFC 6455 frames) so the client spends as little CPU per delivery as
 * possible and the same amount for every server:
 * - relay: SignalR negotiate v1 → WebSocket with `id=` and `access_token=` → JSON handshake; a hub Ping
 *   every 15 s (the relay drops a client silent for 30 s), `taskChanged` invocations counted;
 * - socketio: Engine.IO v4 over WebSocket (`0` open → `40` connect → `42["taskChanged",…]`), `2` → `3`;
 * - ws: plain text frames `["taskChanged",…]`.
 * Each delivery is found by the stamp in the task's `detail` (shared.ts MARKER), without parsing JSON.
 * Per connection it checks that it gets every change of its own ward exactly once and in order, and
 * none of the other ward's.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import {
  cpuSample,
  exitWithParent,
  Histogram,
  MARKER,
  memorySample,
  nowUs,
  readStamp,
  staffFor,
  wardOf,
  WARD_CODE,
  tell,
  type ConnectOrder,
  type CorrectnessReport,
  type FromClient,
  type PerWard,
  type PhaseResult,
  type ServerKind,
  type StaffId,
  type ToClient,
  type Ward,
} from './shared';

const MARKER_BYTES = Buffer.from(MARKER);
const RS = 0x1e;
const CONNECT_CONCURRENCY = 200;
const CONNECT_TIMEOUT_MS = 30_000;
const SIGNALR_PING_EVERY_MS = 15_000;

/** A client frame: FIN + opcode, length, and a zero mask (legal: the server unmasks with XOR 0). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 6 : len < 65_536 ? 8 : 14;
  const frame = Buffer.alloc(head + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}
const textFrame = (text: string): Buffer => clientFrame(0x1, Buffer.from(text));

const SIGNALR_HANDSHAKE = textFrame('{"protocol":"json","version":1}\x1e');
const SIGNALR_PING = textFrame('{"type":6}\x1e');
const EIO_CONNECT = textFrame('40');
const EIO_PONG = textFrame('3');
const CLOSE_FRAME = clientFrame(0x8, Buffer.from([0x03, 0xe8]));

const histogram = new Histogram();
const correctness: CorrectnessReport = { outOfOrder: 0, leaked: 0, unexpectedCloses: 0, closeReasons: {} };
let deliveries = 0;
let phaseDeliveries = 0;
let phaseFirstAt = 0;
let phaseLastAt = 0;
let stopping = false;

/** A connection that ends without being asked to; `counts` is false for a reason given before the close. */
function countClose(reason: string, counts = true): void {
  if (stopping) return;
  if (counts) correctness.unexpectedCloses++;
  correctness.closeReasons[reason] = (correctness.closeReasons[reason] ?? 0) + 1;
}

class LeanConnection {
  socket: Socket | null = null;
  open = false;
  /** The newest change index this connection got, and how many changes of its ward it got. */
  last = -1;
  got = 0;
  private pending: Buffer | null = null;
  private upgraded = false;
  private settle: ((error?: string) => void) | null = null;
  readonly ward: Ward;
  private readonly wardCode: number;

  constructor(
    readonly kind: ServerKind,
    readonly staff: StaffId,
  ) {
    this.ward = wardOf(staff);
    this.wardCode = WARD_CODE[this.ward].charCodeAt(0);
  }

  start(port: number, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done('timeout'), CONNECT_TIMEOUT_MS);
      const done = (error?: string): void => {
        if (!this.settle) return;
        this.settle = null;
        clearTimeout(timer);
        if (error) {
          this.socket?.destroy();
          reject(new Error(error));
        } else resolve();
      };
      this.settle = done;
      const socket = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
      this.socket = socket;
      socket.on('connect', () => {
        const key = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString(
          'base64',
        );
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) => {
        if (this.settle) done(err.message);
      });
      socket.on('close', () => {
        if (this.settle) done('closed while connecting');
        else if (this.open) countClose('socket closed');
        this.open = false;
      });
    });
  }

  private onData(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (!this.upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        this.pending = buf;
        return;
      }
      const status = buf.toString('latin1', 0, buf.indexOf('\r\n'));
      if (!status.startsWith('HTTP/1.1 101')) {
        this.settle?.(status);
        return;
      }
      this.upgraded = true;
      buf = buf.subarray(end + 4);
      if (this.kind === 'relay') this.socket!.write(SIGNALR_HANDSHAKE);
      if (this.kind === 'ws') this.markOpen();
      if (buf.length === 0) return;
    }
    const at = nowUs();
    let off = 0;
    while (buf.length - off >= 2) {
      const b0 = buf[off]!;
      const b1 = buf[off + 1]!;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = buf.readUInt32BE(off + 2) * 2 ** 32 + buf.readUInt32BE(off + 6);
        head = 10;
      }
      if (b1 & 0x80) head += 4; // servers never mask; tolerate it anyway by skipping the key
      if (buf.length - off < head + len) break;
      this.onFrame(b0 & 0x0f, buf.subarray(off + head, off + head + len), at);
      off += head + len;
    }
    if (off < buf.length) this.pending = Buffer.from(buf.subarray(off));
  }

  private markOpen(): void {
    this.open = true;
    this.settle?.();
  }

  private onFrame(opcode: number, payload: Buffer, at: number): void {
    if (opcode === 0x8) {
      if (this.open) countClose(`close frame ${payload.length >= 2 ? payload.readUInt16BE(0) : ''}`);
      this.open = false;
      this.settle?.('server closed the WebSocket');
      this.socket?.end();
      return;
    }
    if (opcode === 0x9) {
      this.socket?.write(clientFrame(0xa, payload));
      return;
    }
    if (opcode !== 0x1 && opcode !== 0x0) return;
    if (this.kind === 'relay') {
      if (!this.open) {
        // The handshake answer: `{}` then RS; an error is `{"error":"…"}`.
        if (payload[0] === 0x7b && payload[1] === 0x7d && payload[2] === RS) this.markOpen();
        else return this.settle?.(`handshake: ${payload.toString('utf8', 0, 200)}`);
      } else if (payload[0] === 0x7b && payload.subarray(0, 9).toString('latin1') === '{"type":7') {
        countClose(`hub Close ${payload.toString('utf8', 0, 160)}`, false);
      }
    } else if (this.kind === 'socketio') {
      const c0 = payload[0];
      if (c0 === 0x32 /* 2 */ && payload.length === 1) return void this.socket?.write(EIO_PONG);
      if (c0 === 0x30 /* 0: Engine.IO open */) return void this.socket?.write(EIO_CONNECT);
      if (c0 === 0x34 /* 4: message */ && payload[1] === 0x30 /* 0: Socket.IO CONNECT */) {
        return this.markOpen();
      }
      if (c0 === 0x34 && payload[1] === 0x34 /* CONNECT_ERROR */) {
        return this.settle?.(`connect error ${payload.toString('utf8', 0, 160)}`);
      }
      if (c0 === 0x31 /* 1: Engine.IO close */) return countClose('engine.io close', false);
    }
    this.count(payload, at);
  }

  /** Every stamp in the frame is one delivery (the relay may join several records in one frame). */
  private count(payload: Buffer, at: number): void {
    let from = 0;
    for (;;) {
      const hit = payload.indexOf(MARKER_BYTES, from);
      if (hit < 0) return;
      const parsed = readStamp(payload, hit + MARKER_BYTES.length);
      if (!parsed) return;
      const [index, sentUs, ward, end] = parsed;
      from = end;
      deliveries++;
      phaseDeliveries++;
      if (phaseFirstAt === 0) phaseFirstAt = at;
      phaseLastAt = at;
      histogram.record(at - sentUs);
      if (ward !== this.wardCode) {
        correctness.leaked++;
        continue;
      }
      if (index <= this.last) correctness.outOfOrder++;
      this.last = index;
      this.got++;
    }
  }

  ping(): void {
    if (this.open) this.socket?.write(SIGNALR_PING);
  }

  close(): void {
    if (this.open) this.socket?.write(CLOSE_FRAME);
    this.socket?.destroy();
  }
}

const connections: LeanConnection[] = [];

async function negotiate(port: number, token: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/hubs/worklist/negotiate?negotiateVersion=1`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`negotiate ${res.status}`);
  const body = (await res.json()) as { connectionToken?: string };
  if (!body.connectionToken) throw new Error('negotiate: no connectionToken');
  return body.connectionToken;
}

async function openOne(order: ConnectOrder, i: number): Promise<void> {
  const staff = staffFor(i);
  const connection = new LeanConnection(order.kind, staff);
  let path: string;
  if (order.kind === 'relay') {
    const token = order.tokens[staff];
    if (!token) throw new Error(`no token for ${staff}`);
    const id = await negotiate(order.port, token);
    path = `/hubs/worklist?id=${encodeURIComponent(id)}&access_token=${encodeURIComponent(token)}`;
  } else if (order.kind === 'socketio') {
    path = `/socket.io/?EIO=4&transport=websocket&staff=${staff}`;
  } else {
    path = `/?staff=${staff}`;
  }
  await connection.start(order.port, path);
  connections.push(connection);
}

async function connectAll(order: ConnectOrder): Promise<void> {
  const t0 = performance.now();
  const errors: Record<string, number> = {};
  let nextIndex = 0;
  let ok = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < order.count) {
      const i = nextIndex++;
      try {
        await openOne(order, i);
        ok++;
      } catch (error) {
        failed++;
        const reason = error instanceof Error ? error.message : String(error);
        errors[reason] = (errors[reason] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, order.count) }, worker));
  if (order.kind === 'relay') startPings();
  const seeing = connections.filter((c) => c.ward === '4W').length;
  tell({ t: 'connected', ok, failed, seeing, ms: performance.now() - t0, errors } satisfies FromClient);
}

/** Spreads the hub Pings over the interval: a fifteenth of the connections each second. */
function startPings(): void {
  let cursor = 0;
  const slices = SIGNALR_PING_EVERY_MS / 1000;
  setInterval(() => {
    const share = Math.ceil(connections.length / slices);
    for (let k = 0; k < share && connections.length > 0; k++) {
      connections[cursor % connections.length]!.ping();
      cursor++;
    }
  }, 1000).unref();
}

let progressTimer: NodeJS.Timeout | undefined;
let phaseName = '';

function finish(expected: PerWard, timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs;
  const check = (): void => {
    let behind = 0;
    for (const c of connections) if (c.open && c.got < expected[c.ward]) behind++;
    const timedOut = performance.now() > deadline;
    if (behind > 0 && !timedOut) {
      setTimeout(check, 10);
      return;
    }
    const result: PhaseResult = {
      name: phaseName,
      deliveries: phaseDeliveries,
      latency: histogram.summary(),
      firstAt: phaseFirstAt,
      lastAt: phaseLastAt,
      behind,
      timedOut: behind > 0,
    };
    tell({ t: 'phase-result', result, cpu: cpuSample() } satisfies FromClient);
  };
  check();
}

exitWithParent(() => {
  stopping = true;
  for (const c of connections) c.close();
});
process.on('message', (raw) => {
  const message = raw as ToClient;
  switch (message.t) {
    case 'connect':
      connectAll(message).catch((error: unknown) =>
        tell({ t: 'error', message: String(error) } satisfies FromClient),
      );
      return;
    case 'phase':
      phaseName = message.name;
      if (!message.keepHistogram) histogram.reset();
      phaseDeliveries = 0;
      phaseFirstAt = 0;
      phaseLastAt = 0;
      tell({ t: 'phase-started', cpu: cpuSample() } satisfies FromClient);
      return;
    case 'progress-every':
      if (progressTimer) clearInterval(progressTimer);
      progressTimer = undefined;
      if (message.ms > 0) {
        progressTimer = setInterval(
          () => tell({ t: 'progress', deliveries } satisfies FromClient),
          message.ms,
        );
      }
      return;
    case 'finish':
      finish(message.published, message.timeoutMs);
      return;
    case 'report':
      tell({
        t: 'report',
        correctness,
        cpu: cpuSample(),
        memory: memorySample(),
      } satisfies FromClient);
      return;
  }
});
