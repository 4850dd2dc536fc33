import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/domain';
import type { Figure, OutcomeReport, TasksBehind } from '../../server/src/metrics';
import { routed } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * Issue #19 acceptance: handoff metrics (docs/METRICS.md M15–M17) over a seeded history — actions
 * through the hub with the official client, on an injected clock — equal the test's own count of the
 * same steps, in the JSON, the CSV and the tasks behind each number.
 */

const MINUTE = 60_000;
const ACCEPT_MINUTES = 15;

type Who = 'okafor' | 'brightwater' | 'marchbank' | 'quillon' | 'fennimore';
interface Step {
  minute: number;
  who: Who;
  taskId: string;
  type: Command['type'];
  payload?: unknown;
}
const offerTo = (id: string) => ({ to: { id } });

const TASKS_4W = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
const steps: Step[] = [
  ...TASKS_4W.map((taskId): Step => ({ minute: 1, who: 'okafor', taskId, type: 'claim' })),
  { minute: 1, who: 'quillon', taskId: 'x0', type: 'claim' },
  { minute: 2, who: 'okafor', taskId: 'h0', type: 'handover.offer', payload: offerTo('nurse-brightwater') },
  {
    minute: 2,
    who: 'quillon',
    taskId: 'x0',
    type: 'handover.offer',
    payload: offerTo('charge-5e-fennimore'),
  },
  { minute: 3, who: 'okafor', taskId: 'h1', type: 'handover.offer', payload: offerTo('nurse-brightwater') },
  { minute: 4, who: 'okafor', taskId: 'h2', type: 'handover.offer', payload: offerTo('nurse-brightwater') },
  { minute: 5, who: 'brightwater', taskId: 'h0', type: 'handover.accept' },
  { minute: 6, who: 'okafor', taskId: 'h3', type: 'release', payload: { note: 'Pharmacy first' } },
  { minute: 7, who: 'marchbank', taskId: 'h4', type: 'release' },
  { minute: 8, who: 'okafor', taskId: 'h5', type: 'handover.offer', payload: offerTo('nurse-brightwater') },
  { minute: 9, who: 'okafor', taskId: 'h5', type: 'handover.withdraw' },
  { minute: 10, who: 'brightwater', taskId: 'h1', type: 'handover.decline', payload: { reason: 'Full' } },
  { minute: 20, who: 'fennimore', taskId: 'x0', type: 'handover.accept' },
  { minute: 25, who: 'marchbank', taskId: 'h2', type: 'reassign', payload: offerTo('nurse-brightwater') },
  // Still waiting at the end (minute 40): alerted at 41 would be after the window; not yet ended.
  { minute: 30, who: 'okafor', taskId: 'h6', type: 'handover.offer', payload: offerTo('nurse-brightwater') },
];
const END_MINUTE = 40;
const UNIT_OF = (taskId: string) => (taskId.startsWith('x') ? '5E' : '4W');

/** The test's own count of the same history, without the relay's code (M15–M17 in words). */
function independentCount() {
  const handoffs: Array<{ taskId: string; how: string }> = [];
  const offers: Array<{ taskId: string; at: number; end: number | null; alerted: boolean }> = [];
  const open = (taskId: string) => offers.find((o) => o.taskId === taskId && o.end === null);
  for (const step of steps) {
    const pending = open(step.taskId);
    const ends = ['handover.accept', 'handover.decline', 'handover.withdraw', 'reassign', 'release'];
    if (pending && ends.includes(step.type)) {
      // The charge nurse was alerted if it was still waiting when the accept time ran out.
      pending.alerted = step.minute >= pending.at + ACCEPT_MINUTES;
      pending.end = step.minute;
    }
    if (step.type === 'handover.offer')
      offers.push({ taskId: step.taskId, at: step.minute, end: null, alerted: false });
    if (step.type === 'reassign') handoffs.push({ taskId: step.taskId, how: 'reassigned' });
    if (step.type === 'handover.accept') handoffs.push({ taskId: step.taskId, how: 'handover-accepted' });
    if (step.type === 'release')
      handoffs.push({ taskId: step.taskId, how: step.who === 'okafor' ? 'released' : 'released-on-behalf' });
  }
  for (const o of offers) if (o.end === null) o.alerted = END_MINUTE >= o.at + ACCEPT_MINUTES;
  return { handoffs, offers };
}

function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p * sorted.length) / 100) - 1]!;
}

describe('handoff metrics over a seeded history (relay, hub, injected clock)', () => {
  const clock = new FakeClock();
  let relay: TestRelay;
  const clients: WorklistClient[] = [];
  const tokens = new Map<string, string>();

  async function get(staffId: string, path: string): Promise<Response> {
    if (!tokens.has(staffId)) tokens.set(staffId, await devToken(relay.url, staffId));
    return fetch(`${relay.url}${path}`, { headers: { authorization: `Bearer ${tokens.get(staffId)}` } });
  }
  async function report(staffId: string): Promise<OutcomeReport> {
    const res = await get(staffId, '/api/metrics/outcomes?window=24h');
    expect(res.status).toBe(200);
    return (await res.json()) as OutcomeReport;
  }
  const figure = (r: OutcomeReport, metric: string, dims: Record<string, string>): Figure => {
    const found = r.figures.find(
      (f) =>
        f.metric === metric &&
        Object.entries(dims).every(([k, v]) => (f as unknown as Record<string, unknown>)[k] === v),
    );
    if (!found) throw new Error(`no ${metric} figure for ${JSON.stringify(dims)}`);
    return found;
  };

  beforeAll(async () => {
    relay = await startTestRelay({ HANDOVER_ACCEPT_MINUTES: String(ACCEPT_MINUTES) }, { clock });
    const t0 = clock.now().getTime();
    const events = [
      ...TASKS_4W.map((id) =>
        routed(id, 1, { candidateRoles: ['Nurse'], title: `Discharge ${id}`, checklist: [] }),
      ),
      routed('x0', 1, {
        unit: '5E',
        candidateRoles: ['Nurse'],
        title: 'Discharge x0',
        checklist: [],
        patient: { ref: 'Patient/5e', name: 'Other Patient', mrn: '5E-1', bed: '5E-01' },
      }),
    ];
    expect(
      (await postEvents(relay.url, await devToken(relay.url, 'integration-engine'), events)).status,
    ).toBe(202);
    const ids: Record<Who, string> = {
      okafor: 'nurse-okafor',
      brightwater: 'nurse-brightwater',
      marchbank: 'charge-4w-marchbank',
      quillon: 'nurse-quillon',
      fennimore: 'charge-5e-fennimore',
    };
    const people = {} as Record<Who, WorklistClient>;
    for (const [who, id] of Object.entries(ids) as Array<[Who, string]>)
      people[who] = await connectAs(relay.url, id);
    clients.push(...Object.values(people));
    for (const step of steps) {
      await clock.advance(t0 + step.minute * MINUTE - clock.now().getTime());
      const result = await people[step.who].execute(step.taskId, step.type, step.payload);
      expect(result.status, `${step.type} ${step.taskId} at minute ${step.minute}`).toBe('applied');
    }
    await clock.advance(t0 + END_MINUTE * MINUTE - clock.now().getTime());
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await relay?.stop();
  });

  const expectations = (unit: string) => {
    const { handoffs, offers } = independentCount();
    const inUnit = <T extends { taskId: string }>(rows: T[]) =>
      rows.filter((r) => unit === 'all' || UNIT_OF(r.taskId) === unit);
    const ended = inUnit(offers).filter((o) => o.end !== null);
    const waits = ended.map((o) => (o.end! - o.at) * MINUTE);
    return {
      handoffs: inUnit(handoffs),
      late: inUnit(offers).filter((o) => o.alerted),
      waits,
    };
  };

  it('[M15][M16][M17] the JSON equals the independent count, per unit and by how the work changed hands', async () => {
    const r = await report('charge-4w-marchbank');
    const want = expectations('4W');
    expect(want.handoffs).toHaveLength(4); // the seeded story, as a check on the count itself
    expect(figure(r, 'manual-handoffs', { unit: '4W', reason: 'all' }).count).toBe(want.handoffs.length);
    for (const how of ['reassigned', 'handover-accepted', 'released', 'released-on-behalf']) {
      expect(figure(r, 'manual-handoffs', { unit: '4W', reason: how }).count, how).toBe(
        want.handoffs.filter((h) => h.how === how).length,
      );
    }
    expect(figure(r, 'handovers-not-accepted-in-time', { unit: '4W' })).toMatchObject({
      count: want.late.length,
      oldestMs: ACCEPT_MINUTES * MINUTE,
    });
    expect(figure(r, 'handover-wait', { unit: '4W', kind: 'all', priority: 'all' })).toMatchObject({
      count: want.waits.length,
      p50Ms: nearestRank(want.waits, 50),
      p90Ms: nearestRank(want.waits, 90),
    });
    // 5E's handoffs are not 4W's business; the supervisor sees both units.
    expect(r.figures.some((f) => f.unit === '5E')).toBe(false);
    const all = expectations('all');
    const s = await report('supervisor-achterberg');
    expect(figure(s, 'manual-handoffs', { unit: 'all', reason: 'all' }).count).toBe(all.handoffs.length);
    expect(figure(s, 'handovers-not-accepted-in-time', { unit: '5E' }).count).toBe(
      expectations('5E').late.length,
    );
    expect(figure(s, 'handover-wait', { unit: 'all', kind: 'all', priority: 'all' })).toMatchObject({
      count: all.waits.length,
      p50Ms: nearestRank(all.waits, 50),
    });
  });

  it('[M12] the CSV carries the same numbers', async () => {
    const res = await get('charge-4w-marchbank', '/api/metrics/outcomes.csv?window=24h');
    const [header, ...rows] = (await res.text())
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    const col = (name: string) => header!.indexOf(name);
    const row = (metric: string, dims: Record<string, string>) =>
      rows.find(
        (cells) =>
          cells[col('metric')] === metric && Object.entries(dims).every(([k, v]) => cells[col(k)] === v),
      );
    const want = expectations('4W');
    expect(Number(row('manual-handoffs', { unit: '4W', reason: 'all' })![col('count')])).toBe(
      want.handoffs.length,
    );
    expect(Number(row('handovers-not-accepted-in-time', { unit: '4W' })![col('count')])).toBe(
      want.late.length,
    );
    const wait = row('handover-wait', { unit: '4W', kind: 'all', priority: 'all' })!;
    expect(Number(wait[col('p50_min')])).toBe(Number((nearestRank(want.waits, 50) / 60_000).toFixed(1)));
  });

  it('[M15][M17] the tasks behind each number are the tasks of the count', async () => {
    const r = await report('charge-4w-marchbank');
    const list = async (href: string) =>
      (await (await get('charge-4w-marchbank', href)).json()) as TasksBehind;
    const handoffs = await list(figure(r, 'manual-handoffs', { unit: '4W', reason: 'all' }).tasks);
    const want = expectations('4W');
    expect(handoffs.tasks.map((t) => t.id).sort()).toEqual(
      [...new Set(want.handoffs.map((h) => h.taskId))].sort(),
    );
    const late = await list(figure(r, 'handovers-not-accepted-in-time', { unit: '4W' }).tasks);
    expect(late.tasks.map((t) => t.id)).toEqual(want.late.map((o) => o.taskId));
    const waits = await list(figure(r, 'handover-wait', { unit: '4W', kind: 'all', priority: 'all' }).tasks);
    expect(waits.tasks[0]).toMatchObject({ id: 'h2', value: 21 * MINUTE }); // the longest wait first
  });

  it('[M14] the trend of handoffs adds up to the window’s figure', async () => {
    const res = await get('charge-4w-marchbank', '/api/metrics/trend?metric=manual-handoffs&window=24h');
    const trend = (await res.json()) as { points: Figure[] };
    expect(trend.points.reduce((n, p) => n + p.count, 0)).toBe(expectations('4W').handoffs.length);
  });
});
