import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * One record shared by every recipient of a broadcast, with its WebSocket frames built once: a fan-out
 * to 9,000 sockets then writes the same bytes 9,000 times, instead of having `ws` allocate a header,
 * cork, write twice and uncork for each socket.
 */
export class SharedRecord {
  private text: Buffer | undefined;
  private binary: Buffer | undefined;

  constructor(readonly bytes: Buffer) {}

  websocketFrame(binary: boolean): Buffer {
    if (binary) return (this.binary ??= websocketFrame(this.bytes, true));
    return (this.text ??= websocketFrame(this.bytes, false));
  }
}

/** An unmasked server-to-client frame holding one whole message (RFC 6455 §5.2: FIN set, no extensions). */
export function websocketFrame(payload: Buffer, binary: boolean): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | (binary ? 0x02 : 0x01);
  if (length < 126) {
    frame[1] = length;
  } else if (length < 0x10000) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** ws's sender state when nothing waits in its queue (ws/lib/sender.js `DEFAULT`). */
const SENDER_IDLE = 0;

interface WsInternals {
  _socket?: Duplex;
  _sender?: { _queue?: unknown[]; _state?: number };
}

/**
 * The socket under a `ws` WebSocket, when a frame written to it directly lands after everything `ws`
 * was given before: `ws` holds frames back only while compressing (permessage-deflate is off here) or
 * reading a Blob (never sent here). Anything else — another `ws` version, a queue — returns undefined
 * and the caller sends through `ws` as usual.
 */
export function rawSocketOf(ws: WebSocket): Duplex | undefined {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (!socket || !sender || sender._state !== SENDER_IDLE) return undefined;
  if (!Array.isArray(sender._queue) || sender._queue.length > 0) return undefined;
  return socket;
}
