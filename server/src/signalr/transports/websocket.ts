import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../log';
import type { Connection } from '../connection';
import type { SignalRLimits } from '../limits';
import type { TransportSink } from './sink';
import { wroteThisTick } from './tick-batch';
import { rawSocketOf } from './ws-frame';

/** Close codes after which the client's leaving is not an error (normal, going away, no status). */
const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1005]);

/**
 * ws in noServer mode: the relay's HTTP server owns the upgrade event. maxPayload caps a frame (ws then
 * closes with 1009); per-record limits are the protocol's. No permessage-deflate: CPU and zlib memory
 * per socket matter more than bytes at 10,000 connections (see the protocol notes, section 7).
 */
export function createWebSocketServer(limits: SignalRLimits): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function attachWebSocket<P>(
  ws: WebSocket,
  connection: Connection<P>,
  limits: SignalRLimits,
  logger: Logger,
): TransportSink {
  let closeTimer: NodeJS.Timeout | undefined;

  ws.on('message', (data) => connection.receive(toBuffer(data)));
  ws.on('error', (err) => {
    // ws closes the socket after an error (oversized or invalid frame, reset); 'close' follows. A
    // connection we are already closing has been logged once.
    const closing = connection.phase === 'closing' || connection.phase === 'closed';
    logger[closing ? 'debug' : 'warn'](
      { connectionId: connection.id, reason: err.message },
      'signalr: WebSocket error, closing connection',
    );
  });
  ws.on('close', (code) => {
    if (closeTimer) clearTimeout(closeTimer);
    connection.transportClosed(
      CLEAN_CLOSE_CODES.has(code) ? undefined : new Error(`WebSocket closed with status code: ${code}.`),
    );
  });

  /** Records held back in this tick (see tick-batch.ts); null when nothing was written yet this tick. */
  let held: Buffer[] | null = null;
  let heldBytes = 0;
  let heldBinary = false;

  const sink: TransportSink & { flushTick(): void } = {
    name: 'WebSockets',
    transferFormats: ['Text', 'Binary'],
    bufferedBytes: () => ws.bufferedAmount + heldBytes,
    write(data, binary, shared) {
      if (held === null) {
        // A broadcast's frame is built once for all recipients; ws frames anything else itself.
        const socket = shared && ws.readyState === ws.OPEN ? rawSocketOf(ws) : undefined;
        if (socket) socket.write(shared!.websocketFrame(binary));
        else ws.send(data, { binary });
        held = [];
        wroteThisTick(sink);
        return;
      }
      // Whole records may share a frame: the client splits a frame into records.
      if (held.length === 0) heldBinary = binary;
      held.push(data);
      heldBytes += data.length;
    },
    flushTick() {
      const records = held;
      held = null;
      if (!records || records.length === 0) return;
      const bytes = heldBytes;
      heldBytes = 0;
      if (ws.readyState !== ws.OPEN) return;
      ws.send(records.length === 1 ? (records[0] as Buffer) : Buffer.concat(records, bytes), {
        binary: heldBinary,
      });
    },
    discardQueued() {
      // What ws already holds cannot be taken back; end() cuts it off after the close timeout.
      held = held === null ? null : [];
      heldBytes = 0;
    },
    end() {
      if (closeTimer) return;
      sink.flushTick();
      ws.close(1000);
      // A client that stopped reading never answers the close frame: cut it off so its buffer is freed.
      closeTimer = setTimeout(() => ws.terminate(), limits.closeTimeoutMs);
      closeTimer.unref();
    },
    abort() {
      held = null;
      heldBytes = 0;
      ws.terminate();
    },
    pause() {
      ws.pause();
    },
    resume() {
      ws.resume();
    },
  };
  return sink;
}
