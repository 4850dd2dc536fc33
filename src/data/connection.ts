import { HubConnectionBuilder, LogLevel, type HubConnection, type IRetryPolicy } from '@microsoft/signalr';
import { HUB_PATH } from '../domain';
import type { TokenSource } from './auth/token-source';

/**
 * Reconnect delays: quick at first (a tablet walking out of a lift), then settling at 30 s with jitter
 * so a ward's worth of devices coming back after a relay restart do not all arrive at once. Never gives
 * up: a worklist that stops trying is worse than one that keeps trying quietly.
 *
 * The first retry is spread over its first two seconds rather than taken at once: when a relay dies, all
 * of its devices lose their connection in the same millisecond, and at 0 s exactly they would all
 * negotiate, present their tokens, upgrade and start their catch-up sync on the survivors together
 * (docs/CLUSTER.md, "Relay killed"). Spread out, the survivors take them in a steady stream; one device
 * alone waits a second on average, which the "Reconnecting…" banner already covers.
 */
/** The first retry comes at a random moment within this window. */
export const FIRST_RETRY_SPREAD_MS = 2_000;
/** The second retry onwards, each ±20%. */
const LATER_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 20_000];
const MAX_DELAY_MS = 30_000;

export const foreverRetry: IRetryPolicy = {
  nextRetryDelayInMilliseconds({ previousRetryCount }) {
    if (previousRetryCount === 0) return Math.floor(Math.random() * FIRST_RETRY_SPREAD_MS);
    const base = LATER_DELAYS_MS[previousRetryCount - 1] ?? MAX_DELAY_MS;
    return Math.round(base * (0.8 + Math.random() * 0.4));
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
