import type { TransferFormat } from '../protocols/messages';
import type { TransportName } from '../types';
import type { SharedRecord } from './ws-frame';

/**
 * What a connection needs from its transport. Each transport tells its connection when it is finished
 * (`Connection.transportClosed`), whoever started the close.
 */
export interface TransportSink {
  readonly name: TransportName;
  readonly transferFormats: readonly TransferFormat[];
  /** Bytes accepted and not yet taken by the network (or, for long polling, by a poll). */
  bufferedBytes(): number;
  /**
   * One transport message made of whole records. `binary` picks the WebSocket frame type. `shared` is
   * the same record when it is a broadcast's (`data` is its bytes): WebSockets write its prebuilt frame.
   */
  write(data: Buffer, binary: boolean, shared?: SharedRecord): void;
  /** Drops what is queued and not yet on the wire, where the transport can (long polling). */
  discardQueued(): void;
  /** Ends after what is queued (the Close message), cutting it off after the close timeout. */
  end(): void;
  /** Ends now, dropping anything queued. */
  abort(): void;
  /** Stops and restarts reading from the client (WebSockets only): backpressure for invocations. */
  pause?(): void;
  resume?(): void;
  /** Called by the server's sweep with the current time (long polling's hold and drop deadlines). */
  tick?(now: number): void;
}
