import { generateEvents } from '../../server/src/demo';
import { devToken, postEvents } from './relay';

/** Small enough for the relay's 256 KB body limit with demo-sized events. */
const BATCH = 200;

/** Feeds events through `POST /api/events` as the demo integration account, in batches. */
export async function ingest(url: string, events: readonly unknown[]): Promise<void> {
  const token = await devToken(url, 'integration-engine');
  for (let i = 0; i < events.length; i += BATCH) {
    const { status, body } = await postEvents(url, token, events.slice(i, i + BATCH));
    const refused = body.results.filter((r) => r.status === 'rejected');
    // The demo hospital's later events may update a task cancelled earlier: those are refused by design.
    if (status >= 400 && refused.length === body.results.length)
      throw new Error(`ingest refused a whole batch: ${refused[0]?.reason ?? status}`);
  }
}

/** A morning at the demo hospital that started `hoursAgo` hours ago: realistic, overdue work included. */
export function demoMorning(count: number, seed = 5, hoursAgo = 3): ReturnType<typeof generateEvents> {
  return generateEvents(seed, count, new Date(Date.now() - hoursAgo * 3_600_000));
}

/** The patient names in a set of events: what must never appear in URLs, logs or caches. */
export function patientNames(events: readonly unknown[]): string[] {
  const names = new Set<string>();
  for (const e of events as Array<{ data?: { patient?: { name?: string } } }>) {
    if (e.data?.patient?.name) names.add(e.data.patient.name);
  }
  return [...names];
}
