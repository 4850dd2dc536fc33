import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/domain';
import {
  createAuthenticator,
  createRequestGuard,
  createTokenValidator,
  devValidatorSettings,
} from '../../server/src/auth';
import { Router } from '../../server/src/http/router';
import { createLogger } from '../../server/src/log';
import { registerOutcomeRoutes } from '../../server/src/metrics';
import type { Figure, OutcomeReport, OutcomeTrend, TasksBehind } from '../../server/src/metrics';
import { routed } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { chargeNurseFirstEnv } from '../helpers/policies';

/**
 * Issue #10 acceptance: a seeded history with known durations — events ingested over HTTP and actions
 * executed through the hub with the official client, on an injected clock so every `at` is exact —
 * yields exactly the p50/p90 this test computes on its own, in the JSON and in the CSV.
 */

const MINUTE = 60_000;

/** The test's own nearest-rank percentile (docs/METRICS.md [M3]), independent of the relay's code. */
function expectedPercentile(minutes: number[], p: number): number {
  const sorted = [...minutes].sort((a, b) => a - b);
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[rank - 1]! * MINUTE;
}

// 4W discharges: claimed at CLAIM[i] minutes after arrival, resolved at RESOLVE[i].
const CLAIM = [3, 7, 12, 1, 25, 9, 4, 18, 6, 30];
const RESOLVE = [40, 35, 50, 20, 45, 33, 60, 27, 52, 41];
// 4W urgent results (acknowledge by minute 30): acknowledged at ACK[i], resolved 5 minutes later.
const ACK = [2, 5, 9, 14, 22, 31, 40, 11];
const RESULT_RESOLVE = ACK.map((m) => m + 5);
// A 4W stat result due at minute 10 (it escalates then), acknowledged by the charge nurse at 16.
const STAT_ACK = 16;
// 5E discharges, which a 4W charge nurse must never see counted.
const CLAIM_5E = [2, 4, 6, 8];
const RESOLVE_5E = [20, 22, 24, 26];

interface Step {
  minute: number;
  who: 'okafor' | 'marchbank' | 'quillon';
  taskId: string;
  type: Command['type'];
  payload?: unknown;
}

const steps: Step[] = [
  ...CLAIM.map((m, i): Step => ({ minute: m, who: 'okafor', taskId: `d${i}`, type: 'claim' })),
  ...RESOLVE.map((m, i): Step => ({ minute: m, who: 'okafor', taskId: `d${i}`, type: 'resolve' })),
  ...ACK.map((m, i): Step => ({ minute: m, who: 'marchbank', taskId: `r${i}`, type: 'acknowledge' })),
  ...RESULT_RESOLVE.map((m, i): Step => ({ minute: m, who: 'marchbank', taskId: `r${i}`, type: 'resolve' })),
  { minute: STAT_ACK, who: 'marchbank', taskId: 'stat', type: 'acknowledge' } satisfies Step,
  ...CLAIM_5E.map((m, i): Step => ({ minute: m, who: 'quillon', taskId: `e${i}`, type: 'claim' })),
  ...RESOLVE_5E.map((m, i): Step => ({ minute: m, who: 'quillon', taskId: `e${i}`, type: 'resolve' })),
].sort((a, b) => a.minute - b.minute);

describe('outcome metrics over a seeded history (relay, hub, injected clock)', () => {
  const clock = new FakeClock();
  let relay: TestRelay;
  let metrics: { url: string; server: Server };
  const clients: WorklistClient[] = [];
  const tokens = new Map<string, string>();
  let t0: number;

  async function token(staffId: string): Promise<string> {
    if (!tokens.has(staffId)) tokens.set(staffId, await devToken(relay.url, staffId));
    return tokens.get(staffId)!;
  }

  async function get(staffId: string | null, path: string): Promise<Response> {
    const headers: Record<string, string> = staffId
      ? { authorization: `Bearer ${await token(staffId)}` }
      : {};
    return fetch(`${metrics.url}${path}`, { headers });
  }

  async function report(staffId: string, query = 'window=24h'): Promise<OutcomeReport> {
    const res = await get(staffId, `/api/metrics/outcomes?${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as OutcomeReport;
  }

  beforeAll(async () => {
    relay = await startTestRelay(chargeNurseFirstEnv(), { clock });
    metrics = await startMetricsHarness(relay, clock);
    t0 = clock.now().getTime();
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();
    const events = [
      ...CLAIM.map((_, i) => routed(`d${i}`, 1, { title: `Discharge d${i}`, checklist: [] })),
      ...ACK.map((_, i) =>
        routed(`r${i}`, 1, {
          kind: 'result-ack',
          title: `Urgent result r${i}`,
          priority: 'urgent',
          candidateRoles: ['Nurse', 'ChargeNurse'],
          checklist: [],
          ackBy: at(30),
        }),
      ),
      routed('stat', 1, {
        kind: 'result-ack',
        title: 'K+ 6.4 mmol/L',
        priority: 'stat',
        candidateRoles: ['Nurse', 'ChargeNurse'],
        checklist: [],
        ackBy: at(10),
      }),
      ...CLAIM_5E.map((_, i) =>
        routed(`e${i}`, 1, {
          unit: '5E',
          title: `Discharge e${i}`,
          checklist: [],
          patient: { ref: `Patient/5e-${i}`, name: 'Other Patient', mrn: `5E-${i}`, bed: '5E-01' },
        }),
      ),
    ];
    const ingest = await postEvents(relay.url, await token('integration-engine'), events);
    expect(ingest.status).toBe(202);

    const people = {
      okafor: await connectAs(relay.url, 'nurse-okafor'),
      marchbank: await connectAs(relay.url, 'charge-4w-marchbank'),
      quillon: await connectAs(relay.url, 'nurse-quillon'),
    };
    clients.push(...Object.values(people));
    for (const step of steps) {
      await clock.advance(t0 + step.minute * MINUTE - clock.now().getTime());
      const result = await people[step.who].execute(step.taskId, step.type, step.payload);
      expect(result.status, `${step.type} ${step.taskId} at minute ${step.minute}`).toBe('applied');
    }
    await clock.minutes(10); // now = 70 minutes after the first arrival
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await new Promise((resolve) => metrics?.server.close(resolve));
    await relay?.stop();
  });

  const figure = (r: OutcomeReport, metric: string, dims: Partial<Figure>): Figure => {
    const found = r.figures.find(
      (f) =>
        f.metric === metric &&
        Object.entries(dims).every(([k, v]) => (f as unknown as Record<string, unknown>)[k] === v),
    );
    if (!found) throw new Error(`no ${metric} figure for ${JSON.stringify(dims)}`);
    return found;
  };

  /** Every duration group the test knows the truth of, for the 4W charge nurse. */
  const expectations4w = () => {
    // Acknowledging an unowned result claims it (HANDOFFS.md HO9, [M1]); the stat one is claimed so too.
    const claimResults = ACK;
    return [
      ['time-to-claim', { unit: '4W', kind: 'discharge', priority: 'routine' }, CLAIM],
      ['time-to-resolve', { unit: '4W', kind: 'discharge', priority: 'routine' }, RESOLVE],
      // Resolving a discharge acknowledges it [M1].
      ['time-to-acknowledge', { unit: '4W', kind: 'discharge', priority: 'routine' }, RESOLVE],
      ['time-to-acknowledge', { unit: '4W', kind: 'result-ack', priority: 'urgent' }, ACK],
      ['time-to-acknowledge', { unit: '4W', kind: 'result-ack', priority: 'all' }, [...ACK, STAT_ACK]],
      ['time-to-claim', { unit: '4W', kind: 'result-ack', priority: 'urgent' }, claimResults],
      ['time-to-resolve', { unit: '4W', kind: 'result-ack', priority: 'urgent' }, RESULT_RESOLVE],
      ['time-to-claim', { unit: '4W', kind: 'all', priority: 'all' }, [...CLAIM, ...claimResults, STAT_ACK]],
      ['time-to-claim', { unit: 'all', kind: 'all', priority: 'all' }, [...CLAIM, ...claimResults, STAT_ACK]],
      ['time-to-resolve', { unit: 'all', kind: 'all', priority: 'all' }, [...RESOLVE, ...RESULT_RESOLVE]],
      ['time-to-acknowledge', { unit: 'all', kind: 'all', priority: 'all' }, [...RESOLVE, ...ACK, STAT_ACK]],
    ] as const;
  };

  it('[M1][M3] the JSON carries exactly the expected p50 and p90 of each duration', async () => {
    const r = await report('charge-4w-marchbank');
    expect(r.percentiles).toBe('nearest-rank');
    expect(r.units).toEqual(['4W']);
    expect(Date.parse(r.window.to) - Date.parse(r.window.from)).toBe(24 * 60 * MINUTE);
    for (const [metric, dims, minutes] of expectations4w()) {
      expect(figure(r, metric, dims), `${metric} ${JSON.stringify(dims)}`).toMatchObject({
        count: minutes.length,
        p50Ms: expectedPercentile([...minutes], 50),
        p90Ms: expectedPercentile([...minutes], 90),
      });
    }
  });

  it('[M12] the CSV download carries the same numbers', async () => {
    const res = await get('charge-4w-marchbank', '/api/metrics/outcomes.csv?window=24h');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="wardline-outcomes-24h-\d{4}-\d{2}-\d{2}T\d{4}Z\.csv"$/,
    );
    const [header, ...rows] = parseCsv(await res.text());
    const col = (name: string) => header!.indexOf(name);
    const row = (metric: string, dims: Record<string, string>) =>
      rows.find(
        (cells) =>
          cells[col('metric')] === metric && Object.entries(dims).every(([k, v]) => cells[col(k)] === v),
      );
    for (const [metric, dims, minutes] of expectations4w()) {
      const cells = row(metric, dims);
      expect(cells, `${metric} ${JSON.stringify(dims)}`).toBeDefined();
      expect(Number(cells![col('count')])).toBe(minutes.length);
      expect(Number(cells![col('p50_ms')])).toBe(expectedPercentile([...minutes], 50));
      expect(Number(cells![col('p90_ms')])).toBe(expectedPercentile([...minutes], 90));
    }
    // One row per figure of the JSON, in the same order.
    const json = await report('charge-4w-marchbank');
    expect(rows.map((cells) => cells[col('metric')])).toEqual(json.figures.map((f) => f.metric));
    expect(rows.every((cells) => cells[col('unit')] !== '5E')).toBe(true);
  });

  it('[M5][M6] the stat result escalated at its deadline and was acknowledged 6 minutes later', async () => {
    const r = await report('charge-4w-marchbank');
    expect(figure(r, 'escalations', { unit: '4W', level: '1' }).count).toBe(1);
    expect(figure(r, 'escalation-latency', { unit: '4W', kind: 'result-ack' })).toMatchObject({
      count: 1,
      p50Ms: (STAT_ACK - 10) * MINUTE,
    });
    // Of the 4W results due at minutes 10 and 30: r5 (31) and r6 (40) were late.
    expect(
      figure(r, 'acknowledged-within-policy', { unit: '4W', kind: 'result-ack', priority: 'all' }),
    ).toMatchObject({ count: 9, met: 6, share: 6 / 9 });
  });

  it('[M11] a 4W charge nurse gets 4W numbers only; 5E’s charge nurse gets 5E’s', async () => {
    const r4w = await report('charge-4w-marchbank');
    expect(r4w.figures.some((f) => f.unit === '5E')).toBe(false);
    expect((await get('charge-4w-marchbank', '/api/metrics/outcomes?unit=5E')).status).toBe(403);

    const r5e = await report('charge-5e-fennimore');
    expect(r5e.units).toEqual(['5E']);
    expect(r5e.figures.some((f) => f.unit === '4W')).toBe(false);
    const claim5e = figure(r5e, 'time-to-claim', { unit: 'all', kind: 'all', priority: 'all' });
    expect(claim5e).toMatchObject({
      count: 4,
      p50Ms: expectedPercentile(CLAIM_5E, 50),
      p90Ms: expectedPercentile(CLAIM_5E, 90),
    });

    // The house supervisor covers every unit: the all-units total is both wards together.
    const all = await report('supervisor-achterberg');
    expect(all.units).toEqual(['4W', '5E', 'ICU']);
    expect(figure(all, 'time-to-resolve', { unit: 'all', kind: 'discharge', priority: 'all' })).toMatchObject(
      {
        count: 14,
        p50Ms: expectedPercentile([...RESOLVE, ...RESOLVE_5E], 50),
        p90Ms: expectedPercentile([...RESOLVE, ...RESOLVE_5E], 90),
      },
    );
  });

  it('[M11] nurses, admins and anonymous callers are refused', async () => {
    expect((await get('nurse-okafor', '/api/metrics/outcomes')).status).toBe(403);
    expect((await get('admin-demo', '/api/metrics/outcomes.csv')).status).toBe(403);
    expect((await get('integration-engine', '/api/metrics/tasks?metric=overdue')).status).toBe(403);
    expect((await get(null, '/api/metrics/outcomes')).status).toBe(401);
  });

  it('[M11][M12] each figure links to its tasks, and the list holds only what the caller may see', async () => {
    const r = await report('charge-4w-marchbank');
    const claims = figure(r, 'time-to-claim', { unit: '4W', kind: 'discharge', priority: 'routine' });
    const res = await get('charge-4w-marchbank', claims.tasks);
    expect(res.status).toBe(200);
    const list = (await res.json()) as TasksBehind;
    expect(list).toMatchObject({ total: 10, hidden: 0, truncated: false });
    // Slowest first, each with its own duration and title.
    const expected = CLAIM.map((m, i) => ({ id: `d${i}`, value: m * MINUTE })).sort(
      (a, b) => b.value - a.value,
    );
    expect(list.tasks.map((t) => ({ id: t.id, value: t.value }))).toEqual(expected);
    expect(list.tasks[0]).toMatchObject({ id: 'd9', title: 'Discharge d9', unit: '4W', kind: 'discharge' });

    // A coordinator counts all of 4W's acknowledgements but may open only discharge work and exceptions.
    const coordinator = await get(
      'coordinator-sorrel',
      '/api/metrics/tasks?metric=time-to-acknowledge&window=24h&unit=4W',
    );
    const theirs = (await coordinator.json()) as TasksBehind;
    expect(theirs.total).toBe(CLAIM.length + ACK.length + 1);
    expect(theirs.hidden).toBe(ACK.length + 1);
    expect(theirs.tasks.every((t) => t.kind === 'discharge')).toBe(true);

    // Another unit's tasks are refused outright, not merely filtered.
    expect((await get('charge-4w-marchbank', '/api/metrics/tasks?metric=time-to-claim&unit=5E')).status).toBe(
      403,
    );
    expect((await get('charge-4w-marchbank', '/api/metrics/tasks?metric=time-to-claim&level=1')).status).toBe(
      400,
    );
    expect((await get('charge-4w-marchbank', '/api/metrics/tasks?metric=nonsense')).status).toBe(400);
  });

  it('[M2] an explicit window counts only what ended inside it', async () => {
    const from = new Date(t0 + 10 * MINUTE).toISOString();
    const to = new Date(t0 + 30 * MINUTE).toISOString();
    const r = await report('charge-4w-marchbank', `from=${from}&to=${to}`);
    expect(r.window).toEqual({ name: null, from, to });
    const inside = CLAIM.filter((m) => m >= 10 && m < 30);
    expect(figure(r, 'time-to-claim', { unit: '4W', kind: 'discharge', priority: 'routine' })).toMatchObject({
      count: inside.length,
      p50Ms: expectedPercentile(inside, 50),
      p90Ms: expectedPercentile(inside, 90),
    });
    expect((await get('charge-4w-marchbank', `/api/metrics/outcomes?from=${to}&to=${from}`)).status).toBe(
      400,
    );
    expect((await get('charge-4w-marchbank', '/api/metrics/outcomes?window=1y')).status).toBe(400);
  });

  it('[M14] the hourly trend of time to acknowledge: each hour its own nearest-rank p50/p90', async () => {
    const res = await get('charge-4w-marchbank', '/api/metrics/trend?metric=time-to-acknowledge&window=24h');
    expect(res.status).toBe(200);
    const trend = (await res.json()) as OutcomeTrend;
    expect(trend.bucketMs).toBe(60 * MINUTE);
    expect(trend.points).toHaveLength(24);
    // Now is minute 70: the last hour is [10, 70), the one before [-50, 10).
    const acknowledged = [...RESOLVE, ...ACK, STAT_ACK];
    const lastHour = acknowledged.filter((m) => m >= 10);
    const hourBefore = acknowledged.filter((m) => m < 10);
    expect(trend.points[23]).toMatchObject({
      from: new Date(t0 + 10 * MINUTE).toISOString(),
      to: new Date(t0 + 70 * MINUTE).toISOString(),
      count: lastHour.length,
      p50Ms: expectedPercentile(lastHour, 50),
      p90Ms: expectedPercentile(lastHour, 90),
    });
    expect(trend.points[22]).toMatchObject({
      count: hourBefore.length,
      p50Ms: expectedPercentile(hourBefore, 50),
      p90Ms: expectedPercentile(hourBefore, 90),
    });
    expect(trend.points.slice(0, 22).every((p) => p.count === 0 && p.p50Ms === null)).toBe(true);
    // A point is the report asked for its own hour, links included.
    const hour = await report(
      'charge-4w-marchbank',
      `from=${trend.points[23]!.from}&to=${trend.points[23]!.to}`,
    );
    expect(trend.points[23]).toMatchObject(
      figure(hour, 'time-to-acknowledge', { unit: 'all', kind: 'all', priority: 'all' }),
    );
    // "Now" metrics have no history to trend; another unit is refused as everywhere.
    expect((await get('charge-4w-marchbank', '/api/metrics/trend?metric=overdue')).status).toBe(400);
    expect((await get('charge-4w-marchbank', '/api/metrics/trend?metric=time-to-claim&unit=5E')).status).toBe(
      403,
    );
    expect((await get('nurse-okafor', '/api/metrics/trend?metric=time-to-claim')).status).toBe(403);
  });
});

/**
 * The outcome routes on a Router of their own, authenticating with the test relay's development
 * issuer and reading its store: relay.ts is wired by the composition root, not by this feature.
 */
async function startMetricsHarness(
  relay: TestRelay,
  clock: FakeClock,
): Promise<{ url: string; server: Server }> {
  const logger = createLogger({ level: 'silent' });
  const authenticator = createAuthenticator({
    validator: createTokenValidator(devValidatorSettings(relay.url)),
    directory: relay.relay.directory,
    logger,
  });
  const router = new Router();
  registerOutcomeRoutes(router, {
    db: relay.relay.db,
    guard: createRequestGuard({ authenticator, logger }),
    clock,
  });
  const server = createServer((req, res) => {
    const route = router.match(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
    if (!route || route === 'method-not-allowed') {
      res.writeHead(404).end();
      return;
    }
    Promise.resolve(route.handler(req, res, route.params)).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

/** RFC 4180, enough for the export: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}
