import { createDemoFeed, type DemoFeedOptions } from './feed';

/**
 * The relay's entry to the demo hospital (loaded by `main.ts` with a dynamic import, only when
 * `DEMO_FEED` is on, so a production relay never loads code that invents patients).
 */
export interface StartDemoFeedOptions extends Omit<DemoFeedOptions, 'utcOffsetMinutes'> {
  /** The hospital's IANA time zone (`TIME_ZONE`), so discharges are planned in local working hours. */
  timeZone?: string;
}

/**
 * Starts the feed and resolves once the morning backlog is in, so the first screen after `npm start`
 * already shows a morning's work. Returns how to stop it.
 */
export async function startDemoFeed(options: StartDemoFeedOptions): Promise<() => Promise<void>> {
  const { timeZone, ...rest } = options;
  const now = rest.now ?? (() => new Date());
  const feed = createDemoFeed({
    ...rest,
    now,
    utcOffsetMinutes: timeZone === undefined ? 0 : utcOffsetMinutes(timeZone, now()),
  });
  await feed.start();
  return () => feed.stop();
}

/** The zone's offset from UTC at `at`, in minutes (`Europe/London` in July: 60). */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!match) return 0; // plain "GMT": UTC itself
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
