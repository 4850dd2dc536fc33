import { HubConnectionBuilder, LogLevel, type HubConnection, type IRetryPolicy } from '@microsoft/signalr';
import { HUB_PATH } from '../domain';
import type { TokenSource } from './auth/token-source';

/**
 * Reconnect delays: quick at first (a tablet walking out of a lift), then settling at 30 s with jitter
 * so a ward's worth of devices coming back after a relay restart do not all arrive at once. Never gives
 * up: a worklist that stops trying is worse than one that keeps trying quietly.
 */
const RETRY_DELAYS_MS = [0, 1_000, 2_000, 5_000, 10_000, 20_000];
const MAX_DELAY_MS = 30_000;

export const foreverRetry: IRetryPolicy = {
  nextRetryDelayInMilliseconds({ previousRetryCount }) {
    const base = RETRY_DELAYS_MS[previousRetryCount] ?? MAX_DELAY_MS;
    return base === 0 ? 0 : Math.round(base * (0.8 + Math.random() * 0.4));
  },
};

/**
 * One SignalR connection to the worklist hub. Transports are left to negotiate (WebSockets, then SSE,
 * then long polling), because hospital proxies often break WebSockets. MessagePack is loaded only when
 * asked for (phones on cellular data), to keep it out of the first bundle.
 */
export async function createHubConnection(
  tokens: TokenSource,
  options: { messagePack?: boolean } = {},
): Promise<HubConnection> {
  let builder = new HubConnectionBuilder()
    .withUrl(HUB_PATH, { accessTokenFactory: () => tokens.getAccessToken() })
    .withAutomaticReconnect(foreverRetry)
    .configureLogging(LogLevel.None);
  if (options.messagePack) {
    const { MessagePackHubProtocol } = await import('@microsoft/signalr-protocol-msgpack');
    builder = builder.withHubProtocol(new MessagePackHubProtocol());
  }
  return builder.build();
}
