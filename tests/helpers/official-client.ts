import { HubConnectionBuilder, type HubConnection } from '@microsoft/signalr';

/**
 * A known fault of the official client (@microsoft/signalr 10): `HubConnection._startInternal` makes
 * its handshake promise, then awaits the handshake *send* before it awaits that promise. Over SSE and
 * long polling the send is an HTTP POST; when the relay answers "Handshake was not received in time."
 * on the stream while that POST is still out (a relay frozen, or starved at high load, past its 15 s
 * handshake timeout), the client rejects the promise before anything awaits it. `start()` (or the
 * automatic reconnect, which then tries again) still fails with that error, but Node has already
 * reported an unhandled rejection, and vitest fails the whole run on it.
 *
 * This turns the early rejection into the path the client itself takes when the transport closes
 * during a handshake: the error is kept as `_stopDuringStartError` and the handshake promise resolves,
 * so the same code right after the await throws the same error. Nothing is swallowed: `start()` and
 * the reconnect loop see exactly the error they saw before. Only the handshake promise of the given
 * connection is touched; a client whose internals no longer look like this is left alone.
 */
export function settleHandshakeRejections(connection: HubConnection): void {
  const internals = connection as unknown as {
    _startInternal?: unknown;
    _handshakeResolver?: () => void;
    _handshakeRejecter?: (error: unknown) => void;
    _stopDuringStartError?: unknown;
  };
  // An upgraded client without this shape is left as it is.
  if (typeof internals._startInternal !== 'function') return;
  let rejecter: ((error: unknown) => void) | undefined;
  Object.defineProperty(internals, '_handshakeRejecter', {
    configurable: true,
    get: () => rejecter,
    // Set in the handshake promise's executor, right after that promise's resolver.
    set: (reject: (error: unknown) => void) => {
      const resolve = internals._handshakeResolver;
      rejecter = resolve
        ? (error: unknown) => {
            internals._stopDuringStartError = internals._stopDuringStartError ?? error;
            resolve();
          }
        : reject;
    },
  });
}

/**
 * For a test file whose clients are built by helpers it does not own: every HubConnection built while
 * this is in force gets `settleHandshakeRejections`. Returns the function that ends it.
 */
export function settleHandshakeRejectionsOfEveryClient(): () => void {
  const prototype = HubConnectionBuilder.prototype;
  const build = Object.getOwnPropertyDescriptor(prototype, 'build')!;
  Object.defineProperty(prototype, 'build', {
    ...build,
    value(this: HubConnectionBuilder) {
      const connection = (build.value as () => HubConnection).call(this);
      settleHandshakeRejections(connection);
      return connection;
    },
  });
  return () => Object.defineProperty(prototype, 'build', build);
}
