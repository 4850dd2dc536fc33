/**
 * Every time and size bound of the server, with the reason for its default. Tests shrink them; the
 * relay keeps the defaults unless a measurement says otherwise.
 */
export interface SignalRLimits {
  /** Largest single hub message (record) a client may send. */
  maxMessageBytes: number;
  /** Largest WebSocket frame or POST body; the client batches several records into one. */
  maxFrameBytes: number;
  /** Bytes queued for one connection and not yet taken by the network before it counts as a slow consumer. */
  maxBufferedBytes: number;
  /** A hub Ping is sent when nothing else was sent for this long (WebSockets and SSE). */
  keepAliveIntervalMs: number;
  /** A connection that sent nothing (not even a Ping) for this long is closed (WebSockets and SSE). */
  clientTimeoutMs: number;
  /** Time from the transport's start to the handshake request. */
  handshakeTimeoutMs: number;
  /** A negotiated connectionToken that no transport used within this time expires. */
  negotiateTtlMs: number;
  /** A long poll with nothing to deliver is answered (200, empty) after this long. */
  longPollHoldMs: number;
  /** A long-polling client with no poll outstanding for this long is gone. */
  longPollDropMs: number;
  /** Time a closing WebSocket or SSE stream gets to flush its Close message before it is cut. */
  closeTimeoutMs: number;
  /** Invocations from one connection that may run at once; 1 keeps them in order. */
  maxParallelInvocations: number;
  /** Queued invocations at which a connection stops being read (backpressure), until half are done. */
  maxQueuedInvocations: number;
  /**
   * Invocations one transport message (WebSocket frame, POST body) may hold. More closes the
   * connection with a reason: they would all be queued at once, ahead of everyone else's.
   */
  maxInvocationsPerMessage: number;
  /** Invocations one connection may start per second on average, after a burst of `invocationBurst`. */
  invocationsPerSecond: number;
  invocationBurst: number;
  /** The same for all of one user's connections together: more connections buy no more time. */
  userInvocationsPerSecond: number;
  userInvocationBurst: number;
  /** Connections one user may hold (negotiated through connected); negotiate is refused beyond. */
  maxConnectionsPerUser: number;
  /** Of those, connections not yet through their handshake (negotiated, opening, handshaking). */
  maxPendingConnectionsPerUser: number;
}

export const DEFAULT_LIMITS: Readonly<SignalRLimits> = {
  // The bound; ASP.NET's default is 32 KB. A page of a sync answer goes out, not in.
  maxMessageBytes: 64 * 1024,
  // A WebSocket frame or POST body may batch many records (the client's send queue joins them).
  maxFrameBytes: 1024 * 1024,
  // Enough for a large sync page plus a burst of broadcasts behind it; 10,000 stalled clients would
  // still hold at most ~10 GB, so keep it no larger. The kernel's socket buffer absorbs the normal case.
  maxBufferedBytes: 1024 * 1024,
  // ASP.NET's KeepAliveInterval; the client's 30 s server timeout needs at least one message per 15 s.
  keepAliveIntervalMs: 15_000,
  // ASP.NET's ClientTimeoutInterval: twice the client's own 15 s ping interval.
  clientTimeoutMs: 30_000,
  // ASP.NET's HandshakeTimeout.
  handshakeTimeoutMs: 15_000,
  // ASP.NET's DisconnectTimeout: a failed transport start makes the client negotiate again, so unused
  // tokens pile up unless they expire.
  negotiateTtlMs: 15_000,
  // ASP.NET's LongPolling PollTimeout; below the client's fixed 100 s request timeout and nginx's 100 s.
  longPollHoldMs: 90_000,
  // ASP.NET's DisconnectTimeout for long polling: the client re-polls at once after every answer.
  longPollDropMs: 15_000,
  // ASP.NET's WebSockets CloseTimeout.
  closeTimeoutMs: 5_000,
  // ASP.NET's MaximumParallelInvocationsPerClient: the worklist relies on commands running in order.
  maxParallelInvocations: 1,
  maxQueuedInvocations: 256,
  // The official client sends one invocation per WebSocket frame; long polling and SSE batch what
  // queued during the previous POST, which for the PWA (one sync or execute at a time, plus pings) is
  // a handful. 64 leaves room for any well-behaved client.
  maxInvocationsPerMessage: 64,
  // The PWA syncs page by page and executes one action at a time, each waiting for its answer: a
  // nurse's replay of a day offline (tens of actions) fits in the burst; past it, calls wait their
  // turn instead of failing. A flood gets a bounded share of the relay, and others keep theirs.
  invocationsPerSecond: 10,
  invocationBurst: 40,
  userInvocationsPerSecond: 20,
  userInvocationBurst: 80,
  // A person's phone, a tablet or two and some browser tabs, each reconnecting after a restart.
  maxConnectionsPerUser: 20,
  maxPendingConnectionsPerUser: 10,
};

/** Longest tick of the timer wheel: timeouts fire at most this late. */
const MAX_SWEEP_INTERVAL_MS = 1_000;
const MIN_SWEEP_INTERVAL_MS = 5;

export function resolveLimits(overrides: Partial<SignalRLimits> | undefined): SignalRLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`signalr: limits.${key} must be a positive number.`);
    }
  }
  for (const key of [
    'invocationBurst',
    'userInvocationBurst',
    'maxInvocationsPerMessage',
    'maxConnectionsPerUser',
    'maxPendingConnectionsPerUser',
  ] as const) {
    if (!Number.isInteger(limits[key]) || limits[key] < 1) {
      throw new Error(`signalr: limits.${key} must be a whole number of at least 1.`);
    }
  }
  if (limits.maxFrameBytes < limits.maxMessageBytes) {
    throw new Error('signalr: limits.maxFrameBytes must be at least limits.maxMessageBytes.');
  }
  if (limits.clientTimeoutMs <= limits.keepAliveIntervalMs) {
    throw new Error('signalr: limits.clientTimeoutMs must exceed limits.keepAliveIntervalMs.');
  }
  return limits;
}

/**
 * One shared timer checks every connection's deadlines (cheaper than several timers per connection at
 * 10,000 connections). Its period is a fraction of the shortest deadline so tests with short limits work.
 */
export function sweepIntervalMs(limits: SignalRLimits): number {
  const shortest = Math.min(
    limits.keepAliveIntervalMs,
    limits.clientTimeoutMs,
    limits.handshakeTimeoutMs,
    limits.negotiateTtlMs,
    limits.longPollHoldMs,
    limits.longPollDropMs,
  );
  return Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(MAX_SWEEP_INTERVAL_MS, Math.floor(shortest / 5)));
}
