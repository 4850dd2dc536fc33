/**
 * A hostile hub client for the fairness and shutdown tests: speaks the SignalR wire protocol by hand on
 * any transport and protocol, so it can send what the official client never would (a thousand
 * invocations in one frame, sends without waiting for answers, handshakes left half done).
 */
import { decode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import { jsonRecord, msgpackRecord } from './signalr-raw';

export type FloodTransport = 'WebSockets' | 'ServerSentEvents' | 'LongPolling';
export type FloodProtocol = 'json' | 'messagepack';

/** `count` `sync(cursor)` invocations as one transport message (frame or POST body). */
export function syncBatch(protocol: FloodProtocol, count: number, prefix: string, cursor = 0): Buffer {
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    records.push(
      protocol === 'json'
        ? Buffer.from(jsonRecord({ type: 1, invocationId: id, target: 'sync', arguments: [cursor] }))
        : msgpackRecord([1, {}, id, 'sync', [cursor]]),
    );
  }
  return Buffer.concat(records);
}

/** The Close message's error in whatever the relay sent, or undefined when none came. */
function findCloseError(protocol: FloodProtocol, received: Buffer): string | undefined {
  if (protocol === 'json') {
    for (const part of received.toString('utf8').split('\x1e')) {
      if (!part.includes('"type":7')) continue;
      try {
        // An SSE event puts `data: ` before the record.
        const record = JSON.parse(part.slice(part.indexOf('{'))) as { type?: number; error?: string };
        if (record.type === 7) return record.error ?? '';
      } catch {
        // Not a whole record (a handshake answer cut by the transport): keep looking.
      }
    }
    return undefined;
  }
  let offset = received.indexOf(0x1e) + 1; // after the JSON handshake answer
  while (offset > 0 && offset < received.length) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = received[offset++] ?? 0;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && offset < received.length);
    if (offset + length > received.length) return undefined;
    try {
      const record = decode(received.subarray(offset, offset + length)) as unknown[];
      if (record[0] === 7) return (record[1] as string | null) ?? '';
    } catch {
      return undefined;
    }
    offset += length;
  }
  return undefined;
}

export interface Flooder {
  /** Sends one transport message; resolves when the relay took it (POST answered, or WebSocket queued). */
  send(data: Buffer): Promise<void>;
  /** Bytes the relay sent, joined. */
  received(): Buffer;
  /** True once the relay ended the connection (socket closed, SSE ended, poll answered 204). */
  isClosed(): boolean;
  /** The error of the relay's Close message, when it sent one. */
  closeError(): string | undefined;
  /** Client bytes not yet on the wire (WebSockets), to avoid filling the test's own memory. */
  backlog(): number;
  stop(): void;
}

export interface FloodOptions {
  url: string;
  accessToken: string;
  transport: FloodTransport;
  protocol: FloodProtocol;
  /** Stop before the handshake (after the transport started): a half-finished connection. */
  skipHandshake?: boolean;
}

async function negotiateFor(url: string, accessToken: string): Promise<string> {
  const res = await fetch(`${url}/hubs/worklist/negotiate?negotiateVersion=1`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  const text = await res.text();
  if (res.status !== 200) throw new FloodRefused(res.status, text);
  return (JSON.parse(text) as { connectionToken: string }).connectionToken;
}

/** The relay refused to negotiate (status and body kept for the test to read). */
export class FloodRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`negotiate refused: ${status} ${body}`);
  }
}

const handshakeFor = (protocol: FloodProtocol) => Buffer.from(jsonRecord({ protocol, version: 1 }));

/** Negotiates, starts the transport and (unless told not to) completes the handshake. */
export async function openFlooder(options: FloodOptions): Promise<Flooder> {
  const token = await negotiateFor(options.url, options.accessToken);
  const hubUrl = `${options.url}/hubs/worklist?id=${encodeURIComponent(token)}`;
  const auth = { Authorization: `Bearer ${options.accessToken}` };
  const chunks: Buffer[] = [];
  let closed = false;
  const received = () => Buffer.concat(chunks);
  const base = {
    received,
    isClosed: () => closed,
    closeError: () => findCloseError(options.protocol, received()),
  };

  if (options.transport === 'WebSockets') {
    const ws = new WebSocket(hubUrl.replace(/^http/, 'ws'), { headers: auth });
    ws.on('message', (data: Buffer) => chunks.push(data));
    ws.on('close', () => (closed = true));
    ws.on('error', () => (closed = true));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new FloodRefused(res.statusCode ?? 0, '')));
      ws.once('error', reject);
    });
    const flooder: Flooder = {
      ...base,
      send: (data) =>
        closed || ws.readyState !== ws.OPEN
          ? Promise.resolve()
          : new Promise((r) => ws.send(data, () => r())),
      backlog: () => ws.bufferedAmount,
      stop: () => ws.terminate(),
    };
    if (!options.skipHandshake) void flooder.send(handshakeFor(options.protocol));
    return flooder;
  }

  const abort = new AbortController();
  const post = async (data: Buffer) => {
    if (closed) return;
    try {
      const res = await fetch(hubUrl, {
        method: 'POST',
        headers: auth,
        body: new Uint8Array(data),
        signal: abort.signal,
      });
      await res.arrayBuffer();
      if (res.status === 404) closed = true;
    } catch {
      closed = true;
    }
  };

  if (options.transport === 'ServerSentEvents') {
    const res = await fetch(hubUrl, {
      headers: { ...auth, Accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new FloodRefused(res.status, await res.text());
    const reader = res.body.getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(Buffer.from(value));
        }
      } catch {
        // aborted by stop()
      }
      closed = true;
    })();
  } else {
    const first = await fetch(hubUrl, { headers: auth, signal: abort.signal });
    await first.arrayBuffer();
    if (first.status !== 200) throw new FloodRefused(first.status, '');
    void (async () => {
      while (!closed) {
        try {
          const poll = await fetch(`${hubUrl}&_=${Date.now()}`, { headers: auth, signal: abort.signal });
          const body = Buffer.from(await poll.arrayBuffer());
          if (poll.status !== 200) closed = true;
          else chunks.push(body);
        } catch {
          closed = true;
        }
      }
    })();
  }
  const flooder: Flooder = {
    ...base,
    send: post,
    backlog: () => 0,
    stop: () => {
      closed = true;
      abort.abort();
    },
  };
  if (!options.skipHandshake) await post(handshakeFor(options.protocol));
  return flooder;
}
