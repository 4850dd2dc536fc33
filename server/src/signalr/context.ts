import type { WebSocketServer } from 'ws';
import type { Logger } from '../log';
import type { Connection, ConnectionHost } from './connection';
import type { OriginPolicy } from './cors';
import type { SignalRLimits } from './limits';
import type { ProtocolName } from './protocols/messages';
import type { ConnectionRegistry } from './registry';
import type { Authenticate, TransportName } from './types';

/** What the request handlers share: settings, the registry and the way to make connections. */
export interface ServerContext<P> {
  readonly path: string;
  readonly transports: readonly TransportName[];
  readonly protocols: readonly ProtocolName[];
  readonly minNegotiateVersion: number;
  /** Makes the secret a client presents as `id=` (with the configured prefix, if any). */
  readonly newToken: () => string;
  readonly authenticate: Authenticate<P>;
  readonly userIdOf: (principal: P) => string;
  readonly limits: SignalRLimits;
  readonly logger: Logger;
  readonly registry: ConnectionRegistry<P>;
  readonly origins: OriginPolicy;
  readonly host: ConnectionHost<P>;
  readonly wss: WebSocketServer;
  /** True once close() started: no new connections. */
  isClosing(): boolean;
  /**
   * Why this user may not open another connection now (per-user caps), or undefined. Counts the
   * refusal; the caller answers 429 with the sentence.
   */
  refuseNewConnection(userId: string): string | undefined;
  createConnection(principal: P, userId: string, connectionId: string, token: string): Connection<P>;
}
