/**
 * An ASP.NET Core SignalR server for Node: negotiate v1, WebSockets / Server-Sent Events / Long Polling,
 * JSON and MessagePack hub protocols, groups and users. It knows nothing about the worklist; see
 * CONTEXT.md for the API and its footguns.
 */
export { createSignalRServer } from './server';
export { HubError } from './errors';
export { DEFAULT_LIMITS, type SignalRLimits } from './limits';
export {
  TRANSPORTS,
  type AuthFailure,
  type Authenticate,
  type CloseOptions,
  type HubCallContext,
  type HubDefinition,
  type HubMethod,
  type LimitCounter,
  type ProtocolName,
  type SignalRConnection,
  type SignalROptions,
  type SignalRServer,
  type SignalRStats,
  type TransportName,
} from './types';
