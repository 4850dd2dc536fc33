/**
 * Raw SignalR protocol helpers for tests that must send what the official client never would:
 * negotiate with fetch, and a `ws` client that speaks JSON or MessagePack records by hand.
 */
import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import { tokenFor, type Harness } from './signalr-harness';

export const RS = '\x1e';

export function jsonRecord(value: unknown): string {
  return JSON.stringify(value) + RS;
}

export function varint(length: number): number[] {
  const bytes: number[] = [];
  let remaining = length;
  do {
    let part = remaining & 0x7f;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) part |= 0x80;
    bytes.push(part);
  } while (remaining > 0);
  return bytes;
}

export function msgpackRecord(value: unknown): Buffer {
  const body = encode(value);
  return Buffer.concat([Buffer.from(varint(body.length)), body]);
}

export interface NegotiateResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
  text: string;
}

export async function negotiate(
  harness: Harness,
  options: { user?: string | null; token?: string; query?: string; headers?: Record<string, string> } = {},
): Promise<NegotiateResult> {
  const token = options.token ?? (options.user === null ? undefined : tokenFor(options.user ?? 'alice'));
  const res = await fetch(`${harness.hubUrl}/negotiate?${options.query ?? 'negotiateVersion=1'}`, {
    method: 'POST',
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...options.headers },
  });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export async function negotiateToken(
  harness: Harness,
  user = 'alice',
): Promise<{ id: string; token: string }> {
  const result = await negotiate(harness, { user });
  if (result.status !== 200 || !result.body)
    throw new Error(`negotiate failed: ${result.status} ${result.text}`);
  return { id: String(result.body.connectionId), token: String(result.body.connectionToken) };
}

export type Record_ = Record<string, unknown> | unknown[];

/** A raw WebSocket client that collects the server's records and its close. */
export class RawSocket {
  readonly records: Record_[] = [];
  readonly frames: Array<{ data: Buffer; binary: boolean }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  /** The public id from negotiate, when this helper negotiated. */
  connectionId: string | undefined;
  private handshakeDone = false;
  constructor(
    readonly ws: WebSocket,
    readonly protocol: 'json' | 'messagepack',
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`unexpected-response ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, binary) => {
      this.frames.push({ data, binary });
      this.parse(data);
    });
  }

  private parse(data: Buffer): void {
    let rest = data;
    if (!this.handshakeDone) {
      const end = rest.indexOf(0x1e);
      if (end === -1) return;
      this.records.push(JSON.parse(rest.toString('utf8', 0, end)) as Record_);
      this.handshakeDone = true;
      rest = rest.subarray(end + 1);
    }
    if (this.protocol === 'json') {
      for (const part of rest.toString('utf8').split(RS))
        if (part) this.records.push(JSON.parse(part) as Record_);
      return;
    }
    let offset = 0;
    while (offset < rest.length) {
      let length = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = rest[offset++] ?? 0;
        length += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      this.records.push(decode(rest.subarray(offset, offset + length)) as Record_);
      offset += length;
    }
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  async handshake(): Promise<Record_> {
    this.send(jsonRecord({ protocol: this.protocol, version: 1 }));
    return this.waitFor(() => this.records[0]);
  }

  /** Records after the handshake answer. */
  messages(): Record_[] {
    return this.records.slice(1);
  }

  invoke(invocationId: string, target: string, args: unknown[]): void {
    if (this.protocol === 'json') this.send(jsonRecord({ type: 1, invocationId, target, arguments: args }));
    else this.send(msgpackRecord([1, {}, invocationId, target, args]));
  }

  /** The completion for `invocationId`, as `{ result }` or `{ error }`. */
  async completion(invocationId: string, timeoutMs = 5_000): Promise<{ result?: unknown; error?: string }> {
    const record = await this.waitFor(
      () => this.messages().find((r) => completionId(r) === invocationId),
      timeoutMs,
    );
    if (Array.isArray(record)) {
      return record[3] === 1 ? { error: record[4] as string } : { result: record[4] };
    }
    return record as { result?: unknown; error?: string };
  }

  /** The Close message, when one arrived. */
  closeMessage(): { error?: string; allowReconnect?: boolean } | undefined {
    for (const record of this.messages()) {
      if (Array.isArray(record) && record[0] === 7) {
        return { error: (record[1] as string | null) ?? undefined, allowReconnect: record[2] as boolean };
      }
      if (!Array.isArray(record) && record.type === 7)
        return record as { error?: string; allowReconnect?: boolean };
    }
    return undefined;
  }

  async waitFor<T>(check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('RawSocket: timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

function completionId(record: Record_): string | undefined {
  if (Array.isArray(record)) return record[0] === 3 ? (record[2] as string) : undefined;
  return record.type === 3 ? (record.invocationId as string) : undefined;
}

export interface RawSocketOptions {
  user?: string;
  protocol?: 'json' | 'messagepack';
  /** Defaults to a fresh negotiate for `user`. */
  token?: string;
  origin?: string;
  /** Send the bearer token as `access_token` in the query (as browsers do) instead of the header. */
  tokenInQuery?: boolean;
  authToken?: string;
}

export function rawSocketUrl(harness: Harness, token: string | undefined, accessToken?: string): string {
  const url = new URL(harness.hubUrl.replace(/^http/, 'ws'));
  if (token) url.searchParams.set('id', token);
  if (accessToken) url.searchParams.set('access_token', accessToken);
  return url.toString();
}

/** Negotiates (unless given a token) and opens a raw WebSocket; does not send the handshake. */
export async function openRawSocket(harness: Harness, options: RawSocketOptions = {}): Promise<RawSocket> {
  const user = options.user ?? 'alice';
  const negotiated = options.token === undefined ? await negotiateToken(harness, user) : undefined;
  const token = options.token ?? negotiated?.token;
  const auth = options.authToken ?? tokenFor(user);
  const ws = new WebSocket(rawSocketUrl(harness, token, options.tokenInQuery ? auth : undefined), {
    headers: options.tokenInQuery ? {} : { Authorization: `Bearer ${auth}` },
    ...(options.origin ? { origin: options.origin } : {}),
  });
  const socket = new RawSocket(ws, options.protocol ?? 'json');
  socket.connectionId = negotiated?.id;
  await socket.opened;
  return socket;
}

/** A connected raw socket: negotiated, opened and through the handshake. */
export async function connectRawSocket(harness: Harness, options: RawSocketOptions = {}): Promise<RawSocket> {
  const socket = await openRawSocket(harness, options);
  const answer = await socket.handshake();
  if (JSON.stringify(answer) !== '{}') throw new Error(`handshake refused: ${JSON.stringify(answer)}`);
  return socket;
}

/** The status a refused upgrade answers with. */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}
