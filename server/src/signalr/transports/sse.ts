import type { ServerResponse } from 'node:http';
import type { Connection } from '../connection';
import type { SignalRLimits } from '../limits';
import type { TransportSink } from './sink';
import { wroteThisTick } from './tick-batch';

const DATA_PREFIX = Buffer.from('data: ', 'utf8');
const EVENT_END = Buffer.from('\r\n\r\n', 'utf8');
/**
 * A comment line sent at once: some EventSource implementations (Firefox) fire `open` only when bytes
 * arrive, and the client counts as connected only after `open`.
 */
const OPENING_COMMENT = ':\r\n';

/**
 * Starts the event stream. Each write is one SSE event holding whole JSON records on a single `data:`
 * line: JSON.stringify escapes CR and LF, so a record never needs splitting across lines. SSE carries
 * text only, so MessagePack is refused at the handshake.
 */
export function startServerSentEvents<P>(
  res: ServerResponse,
  connection: Connection<P>,
  limits: SignalRLimits,
): TransportSink {
  let closeTimer: NodeJS.Timeout | undefined;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-store',
    Pragma: 'no-cache',
    'Content-Encoding': 'identity',
    // nginx buffers proxied responses unless told otherwise; buffered events never arrive.
    'X-Accel-Buffering': 'no',
  });
  res.write(OPENING_COMMENT);
  res.on('close', () => {
    if (closeTimer) clearTimeout(closeTimer);
    // Closing the EventSource is how the client ends SSE: not an error.
    connection.transportClosed();
  });

  /** Corked from the first write of a tick to its end, so a burst of events is one socket write. */
  let corked = false;

  const sink: TransportSink & { flushTick(): void } = {
    name: 'ServerSentEvents',
    transferFormats: ['Text'],
    // Counts both the response's own buffer and the socket's.
    bufferedBytes: () => res.writableLength,
    write(data) {
      if (res.writableEnded) return;
      if (!corked) {
        corked = true;
        res.cork();
        wroteThisTick(sink);
      }
      res.write(DATA_PREFIX);
      res.write(data);
      res.write(EVENT_END);
    },
    flushTick() {
      if (!corked) return;
      corked = false;
      res.uncork();
    },
    discardQueued() {
      // Written bytes cannot be taken back; end() cuts them off after the close timeout.
    },
    end() {
      if (res.writableEnded) return;
      sink.flushTick();
      res.end();
      closeTimer = setTimeout(() => res.destroy(), limits.closeTimeoutMs);
      closeTimer.unref();
    },
    abort() {
      res.destroy();
    },
  };
  return sink;
}
