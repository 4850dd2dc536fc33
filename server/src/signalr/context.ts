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
  createConnection(principal: P, userId: string, connectionId: string, token: string): Connection<P>;
}
