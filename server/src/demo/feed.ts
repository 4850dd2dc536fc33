import type { Logger } from '../log';
import { createRandom } from './random';
import { DEFAULT_BACKLOG_SIZE, createDemoHospital, type DemoEvent, type DemoHospital } from './simulator';

/**
 * Feeds the demo hospital's events into the relay through the same ingest path as the integration
 * engine: the relay passes its ingest function in, so the demo never touches the store and exercises
 * validation, de-duplication and revisions exactly as production traffic does.
 *
 * Logging: counts and ids only. Events carry patient names, MRNs and free text; none of it is logged.
 */

/** Backlog events per ingest call: small enough to keep each call short, large enough to be quick. */
export const DEFAULT_BACKLOG_BATCH_SIZE = 50;
/** Each delay is the mean interval times a factor in [1 − j, 1 + j), so events do not tick like a clock. */
const JITTER = 0.5;
/** Log a running count at info level every this many live events; each event is logged at debug. */
const PROGRESS_LOG_EVERY = 100;

export interface DemoFeedOptions {
  /** `DEMO_SEED`: the same seed and the same clock give the same events. */
  seed: number;
  /** The clock stamped on events and used for due times; injected so tests can fix it. */
  now?: () => Date;
  /** Average live events per minute after the backlog; 0 sends the backlog only. */
  ratePerMinute: number;
  /**
   * The relay's ingest path, synchronous or returning a promise. Its answer (an array of results or
   * `{ results }`) is read only to count statuses and warn about rejections; a throw is logged, not fatal.
   */
  ingest: (events: unknown[]) => unknown;
  logger: Logger;
  /** The hospital's offset from UTC in minutes, for discharges in local working hours (default 0). */
  utcOffsetMinutes?: number;
  backlogSize?: number;
  batchSize?: number;
}

export interface DemoFeed {
  readonly hospital: DemoHospital;
  /** Ingests the morning backlog in batches, then keeps emitting; resolves once the backlog is in. */
  start(): Promise<void>;
  /** Stops emitting and clears every timer; resolves once an ingest call already under way has settled. */
  stop(): Promise<void>;
}

export function createDemoFeed(options: DemoFeedOptions): DemoFeed {
  const { ratePerMinute, ingest } = options;
  if (!Number.isFinite(ratePerMinute) || ratePerMinute < 0) {
    throw new RangeError(`the demo rate must be zero or more events per minute (got ${ratePerMinute})`);
  }
  const backlogSize = options.backlogSize ?? DEFAULT_BACKLOG_SIZE;
  const batchSize = options.batchSize ?? DEFAULT_BACKLOG_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive whole number (got ${batchSize})`);
  const now = options.now ?? (() => new Date());
  const hospital = createDemoHospital({
    seed: options.seed,
    now,
    utcOffsetMinutes: options.utcOffsetMinutes,
  });
  const logger = options.logger.child({ component: 'demo-feed', seed: hospital.seed });
  // Timing has its own stream: the events are the same whatever the delays turn out to be.
  const timing = createRandom(hospital.seed ^ 0x7f4a7c15);

  let started: Promise<void> | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<void> | null = null;
  let liveCount = 0;

  /** One ingest call; never throws, so neither the backlog loop nor a timer can take the relay down. */
  async function send(events: DemoEvent[]): Promise<StatusCounts | null> {
    const ids = events.map((e) => e.id);
    try {
      const counts = countStatuses(await ingest(events));
      if (counts && counts.rejectedIds.length > 0) {
        // A rejected demo event is a simulator bug or contract drift: worth a warning, by id only.
        logger.warn(
          { rejected: counts.rejectedIds.length, eventIds: counts.rejectedIds.slice(0, 20) },
          'demo events rejected by ingest',
        );
      }
      return counts;
    } catch (error) {
      logger.error(
        { eventIds: ids.slice(0, 20), events: ids.length, error: errorName(error) },
        'demo ingest call failed',
      );
      return null;
    }
  }

  /** Remembers the ingest call under way, so stop() can wait for it. */
  function track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(() => undefined);
    inFlight = settled;
    return work.finally(() => {
      if (inFlight === settled) inFlight = null;
    });
  }

  async function ingestBacklog(): Promise<void> {
    const events = hospital.backlog(backlogSize);
    let sent = 0;
    let batches = 0;
    const statuses: Record<string, number> = {};
    for (let i = 0; i < events.length && !stopped; i += batchSize) {
      const batch = events.slice(i, i + batchSize);
      const counts = await track(send(batch));
      for (const [status, n] of Object.entries(counts?.statuses ?? {}))
        statuses[status] = (statuses[status] ?? 0) + n;
      sent += batch.length;
      batches += 1;
    }
    // Statuses are known only when the ingest path answers with its results.
    const counted = Object.keys(statuses).length > 0 ? { statuses } : {};
    logger.info(
      { events: sent, batches, ...counted, openTasks: hospital.openTaskCount },
      'demo hospital morning backlog sent',
    );
    if (!stopped && ratePerMinute > 0) schedule();
  }

  function schedule(): void {
    const meanMs = 60_000 / ratePerMinute;
    const delayMs = meanMs * (1 - JITTER + 2 * JITTER * timing.next());
    timer = setTimeout(tick, delayMs);
    // The demo must never keep the relay alive on its own (graceful shutdown, tests).
    timer.unref();
  }

  function tick(): void {
    timer = null;
    if (stopped) return;
    void track(emitOne()).then(() => {
      if (!stopped) schedule();
    });
  }

  async function emitOne(): Promise<void> {
    let event: DemoEvent;
    try {
      event = hospital.next();
    } catch (error) {
      logger.error({ error: errorName(error) }, 'demo hospital failed to make an event');
      return;
    }
    liveCount += 1;
    logger.debug({ eventId: event.id, type: event.type, taskId: event.data.taskId }, 'demo event');
    if (liveCount % PROGRESS_LOG_EVERY === 0) {
      logger.info({ liveEvents: liveCount, openTasks: hospital.openTaskCount }, 'demo hospital running');
    }
    await send([event]);
  }

  return {
    hospital,
    start() {
      if (stopped) return Promise.reject(new Error('this demo feed was stopped; create a new one'));
      started ??= ingestBacklog();
      return started;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (inFlight) await inFlight;
      logger.info({ liveEvents: liveCount, openTasks: hospital.openTaskCount }, 'demo hospital stopped');
    },
  };
}

interface StatusCounts {
  statuses: Record<string, number>;
  rejectedIds: string[];
}

/**
 * Reads per-event statuses from whatever the ingest path answers: an array of results or
 * `{ results: [...] }` (the HTTP body's shape). Anything else is not counted.
 */
export function countStatuses(answer: unknown): StatusCounts | null {
  const list = Array.isArray(answer)
    ? answer
    : typeof answer === 'object' &&
        answer !== null &&
        Array.isArray((answer as { results?: unknown }).results)
      ? (answer as { results: unknown[] }).results
      : null;
  if (!list) return null;
  const counts: StatusCounts = { statuses: {}, rejectedIds: [] };
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const { status, id } = item as { status?: unknown; id?: unknown };
    if (typeof status !== 'string') continue;
    counts.statuses[status] = (counts.statuses[status] ?? 0) + 1;
    if (status === 'rejected' && typeof id === 'string') counts.rejectedIds.push(id);
  }
  return counts;
}

/** An error's name (and code, if any), never its message: a message may quote an event's text. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}
