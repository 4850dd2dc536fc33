import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../server/src/log';
import {
  DEMO_MRN_PATTERN,
  countStatuses,
  createDemoFeed,
  createDemoHospital,
  startDemoFeed,
  utcOffsetMinutes,
  type DemoEvent,
  type DemoFeed,
} from '../../server/src/demo';
import { parseInboundEvent } from '../../src/domain/events';

const MORNING = new Date('2025-03-04T07:00:00.000Z');

/** A pino logger at debug level whose lines the test can read back. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

/** An ingest double that records every call and answers like the relay: one result per event. */
function recordingIngest() {
  const calls: DemoEvent[][] = [];
  const ingest = vi.fn(async (events: unknown[]) => {
    calls.push(events as DemoEvent[]);
    return { results: (events as DemoEvent[]).map((e) => ({ id: e.id, status: 'applied' })) };
  });
  return { calls, ingest };
}

describe('the demo feed', () => {
  let feed: DemoFeed | null = null;

  beforeEach(() => {
    vi.useFakeTimers({ now: MORNING });
  });

  afterEach(async () => {
    await feed?.stop();
    feed = null;
    vi.useRealTimers();
  });

  it('starts with the morning backlog in batches of 50, before any live event', async () => {
    const { calls, ingest } = recordingIngest();
    const { logger } = capturedLogger();
    feed = createDemoFeed({ seed: 42, ratePerMinute: 6, ingest, logger });
    await feed.start();
    expect(calls.map((c) => c.length)).toEqual([50, 50, 50]);
    const backlog = calls.flat();
    expect(backlog.every((e) => e.data.revision === 1)).toBe(true);
    expect(backlog.every((e) => e.time === MORNING.toISOString())).toBe(true);
    // The same events as the hospital on the same seed and clock.
    const twin = createDemoHospital({ seed: 42, now: () => MORNING }).backlog(150);
    expect(JSON.stringify(backlog)).toBe(JSON.stringify(twin));
  });

  it('then emits at the configured rate, with jitter, one valid event per ingest call', async () => {
    const { calls, ingest } = recordingIngest();
    const { logger } = capturedLogger();
    feed = createDemoFeed({ seed: 42, ratePerMinute: 6, ingest, logger });
    await feed.start();
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // Delays are 5 to 15 seconds (10 s ± 50 %): between 40 and 120 events in ten minutes.
    expect(calls.length).toBeGreaterThanOrEqual(40);
    expect(calls.length).toBeLessThanOrEqual(120);
    expect(calls.every((c) => c.length === 1)).toBe(true);
    const live = calls.flat();
    const gaps = live.slice(1).map((e, i) => Date.parse(e.time ?? '') - Date.parse(live[i]?.time ?? ''));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(15_000);
    expect(new Set(gaps).size).toBeGreaterThan(5);
    for (const event of live) expect(parseInboundEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
  });

  it('is deterministic: the same seed and the same clock give the same events', async () => {
    const run = async () => {
      vi.setSystemTime(MORNING);
      const { calls, ingest } = recordingIngest();
      const { logger } = capturedLogger();
      const run = createDemoFeed({ seed: 5, ratePerMinute: 30, ingest, logger });
      await run.start();
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      await run.stop();
      return JSON.stringify(calls);
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(1_000);
    expect(await run()).toBe(first);
  });

  it('stop() clears every timer and nothing is sent afterwards', async () => {
    const { calls, ingest } = recordingIngest();
    const { logger } = capturedLogger();
    feed = createDemoFeed({ seed: 42, ratePerMinute: 60, ingest, logger });
    await feed.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(vi.getTimerCount()).toBe(1);
    await feed.stop();
    expect(vi.getTimerCount()).toBe(0);
    const sent = calls.length;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls.length).toBe(sent);
    await expect(feed.start()).rejects.toThrow(/stopped/);
  });

  it('stop() during the backlog ends it after the batch in flight', async () => {
    const { logger } = capturedLogger();
    let release: () => void = () => {};
    const calls: unknown[][] = [];
    const ingest = vi.fn((events: unknown[]) => {
      calls.push(events);
      return new Promise<unknown>((resolve) => {
        release = () => resolve(undefined);
      });
    });
    feed = createDemoFeed({ seed: 42, ratePerMinute: 60, ingest, logger });
    const started = feed.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    const stopped = feed.stop();
    release();
    await stopped;
    await started;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a rate of zero sends the backlog only', async () => {
    const { calls, ingest } = recordingIngest();
    const { logger } = capturedLogger();
    feed = createDemoFeed({ seed: 42, ratePerMinute: 0, ingest, logger, backlogSize: 20, batchSize: 8 });
    await feed.start();
    expect(calls.map((c) => c.length)).toEqual([8, 8, 4]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses a negative or non-finite rate and a bad batch size', () => {
    const { ingest } = recordingIngest();
    const { logger } = capturedLogger();
    expect(() => createDemoFeed({ seed: 1, ratePerMinute: -1, ingest, logger })).toThrow(RangeError);
    expect(() =>
      createDemoFeed({ seed: 1, ratePerMinute: Number.POSITIVE_INFINITY, ingest, logger }),
    ).toThrow(RangeError);
    expect(() => createDemoFeed({ seed: 1, ratePerMinute: 6, ingest, logger, batchSize: 0 })).toThrow(
      RangeError,
    );
  });

  it('keeps going when an ingest call fails, and logs the failure by id', async () => {
    const { logger, lines } = capturedLogger();
    let calls = 0;
    const ingest = vi.fn(async () => {
      calls += 1;
      if (calls <= 2) throw new Error('database is locked for Juniper Marsh');
      return [];
    });
    feed = createDemoFeed({ seed: 42, ratePerMinute: 60, ingest, logger });
    await feed.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBeGreaterThan(30);
    const failures = lines
      .map((l) => JSON.parse(l) as { msg: string; eventIds?: string[] })
      .filter((l) => l.msg === 'demo ingest call failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]?.eventIds?.[0]).toBe('demo-42-1');
    // The error's message may quote an event: it is not logged.
    expect(lines.join('\n')).not.toContain('Juniper');
  });

  it('warns about rejected events by id', async () => {
    const { logger, lines } = capturedLogger();
    const ingest = vi.fn(async (events: unknown[]) => ({
      results: (events as DemoEvent[]).map((e, i) => ({
        id: e.id,
        status: i === 0 ? 'rejected' : 'applied',
        reason: 'x',
      })),
    }));
    feed = createDemoFeed({ seed: 42, ratePerMinute: 0, ingest, logger });
    await feed.start();
    const warnings = lines
      .map((l) => JSON.parse(l) as { msg: string; eventIds?: string[] })
      .filter((l) => l.msg === 'demo events rejected by ingest');
    expect(warnings.map((w) => w.eventIds)).toEqual([['demo-42-1'], ['demo-42-51'], ['demo-42-101']]);
  });

  it('logs counts and ids only: no patient name, MRN, title or reason', async () => {
    const { calls, ingest } = recordingIngest();
    const { logger, lines } = capturedLogger();
    feed = createDemoFeed({ seed: 42, ratePerMinute: 120, ingest, logger });
    await feed.start();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    await feed.stop();
    const events = calls.flat();
    expect(events.length).toBeGreaterThan(5_000);
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(events.length - 150); // a debug line per live event
    expect(log).not.toMatch(new RegExp(DEMO_MRN_PATTERN.source.replace(/^\^|\$$/g, '')));
    const secrets = new Set<string>();
    for (const event of events) {
      if (event.type === 'wardline.task.routed' || event.type === 'wardline.exception.raised') {
        if (event.data.patient) secrets.add(event.data.patient.name).add(event.data.patient.mrn);
        secrets.add(event.data.title);
        if (event.data.detail) secrets.add(event.data.detail);
      }
      if (event.type === 'wardline.task.cancelled') secrets.add(event.data.reason);
    }
    const leaked = [...secrets].filter((s) => log.includes(s));
    expect(leaked).toEqual([]);
    const started = lines
      .map((l) => JSON.parse(l) as { msg: string; statuses?: unknown })
      .find((l) => l.msg === 'demo hospital morning backlog sent');
    expect(started?.statuses).toEqual({ applied: 150 });
  });

  it('never keeps the process alive: its timer is unref’d', async () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { ingest } = recordingIngest();
    const { logger } = capturedLogger();
    feed = createDemoFeed({ seed: 42, ratePerMinute: 6, ingest, logger, backlogSize: 1 });
    await feed.start();
    const timers = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
    spy.mockRestore();
    expect(timers.length).toBeGreaterThan(0);
    for (const timer of timers) expect(timer.hasRef()).toBe(false);
  });
});

describe('startDemoFeed, as the relay calls it', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: MORNING });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes a synchronous ingest, resolves once the backlog is in and returns how to stop', async () => {
    const received: unknown[] = [];
    const { logger } = capturedLogger();
    const stop = await startDemoFeed({
      seed: 20_261_126,
      ratePerMinute: 12,
      logger,
      ingest: (events) => {
        received.push(...events);
      },
    });
    expect(received).toHaveLength(150);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(received.length).toBeGreaterThan(150);
    await stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('plans discharges in the working hours of the hospital time zone', async () => {
    const received: DemoEvent[] = [];
    const { logger } = capturedLogger();
    const stop = await startDemoFeed({
      seed: 3,
      ratePerMinute: 0,
      logger,
      timeZone: 'America/New_York',
      ingest: (events) => {
        received.push(...(events as DemoEvent[]));
      },
    });
    await stop();
    const planned = received.flatMap((e) =>
      e.type === 'wardline.task.routed' && e.data.expectedDischargeAt ? [e.data.expectedDischargeAt] : [],
    );
    expect(planned.length).toBeGreaterThan(20);
    // 07:00 UTC in March is 02:00 in New York (UTC−5): today 10:00–17:00 or tomorrow 09:00–14:00 local.
    for (const at of planned) {
      const localHour = (new Date(at).getUTCHours() + 24 - 5) % 24;
      expect(localHour).toBeGreaterThanOrEqual(9);
      expect(localHour).toBeLessThanOrEqual(17);
    }
  });

  it.each([
    ['UTC', '2025-07-01T12:00:00Z', 0],
    ['Europe/London', '2025-07-01T12:00:00Z', 60],
    ['Europe/London', '2025-01-15T12:00:00Z', 0],
    ['America/New_York', '2025-01-15T12:00:00Z', -300],
    ['Asia/Kolkata', '2025-01-15T12:00:00Z', 330],
  ])('utcOffsetMinutes(%s, %s) is %i', (zone, at, expected) => {
    expect(utcOffsetMinutes(zone, new Date(at))).toBe(expected);
  });
});

describe('countStatuses', () => {
  it('reads an array of results or the HTTP body shape, and ignores anything else', () => {
    expect(
      countStatuses([
        { id: 'a', status: 'applied' },
        { id: 'b', status: 'stale' },
      ]),
    ).toEqual({
      statuses: { applied: 1, stale: 1 },
      rejectedIds: [],
    });
    expect(
      countStatuses({
        results: [
          { id: 'a', status: 'rejected' },
          { id: 'b', status: 'duplicate' },
        ],
      }),
    ).toEqual({
      statuses: { rejected: 1, duplicate: 1 },
      rejectedIds: ['a'],
    });
    expect(countStatuses(undefined)).toBeNull();
    expect(countStatuses({ ok: true })).toBeNull();
  });
});
