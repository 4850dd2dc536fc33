import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CLOSED_STATUSES,
  parseInboundEvent,
  TASK_KINDS,
  TASK_STATUSES,
  visibleTo,
  type Command,
  type EscalationPolicy,
  type Principal,
} from '../../src/domain';
import { CHARGE_NURSE_FIRST } from '../helpers/policies';
import { EscalationScheduler } from '../../server/src/escalation/scheduler';
import { createLogger } from '../../server/src/log';
import { OutcomeQueries } from '../../server/src/metrics/outcome-queries';
import { OPEN_STATUSES_SQL, OUTCOME_METRICS, type MetricName } from '../../server/src/metrics/definitions';
import {
  outcomeReport,
  seesAllOf,
  tasksBehind,
  type Figure,
  type MetricScope,
} from '../../server/src/metrics/outcomes';
import { OutcomeProjection } from '../../server/src/metrics/projection';
import { loadMigrations, openSqliteStore } from '../../server/src/store/database';
import type { SqliteEngine } from '../../server/src/store/sqlite-engine';
import { CorruptRowError } from '../../server/src/store/rows';
import { SqlWorklistStore } from '../../server/src/store/worklist-store';
import { routed } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-26T08:00:00.000Z');

const person = (id: string, roles: Principal['roles'], units: string[]): Principal => ({
  id,
  tenantId: 't',
  name: id,
  roles,
  units,
});
const okafor = person('nurse-okafor', ['Nurse'], ['4W']);
const brightwater = person('nurse-brightwater', ['Nurse'], ['4W']);
const charge4w = person('charge-4w', ['ChargeNurse'], ['4W']);
const coordinator = person('coordinator', ['Coordinator'], ['4W', '5E']);

/** A store on an in-memory database with a clock the test moves, and the projection over it. */
async function ward(policies: readonly EscalationPolicy[] = CHARGE_NURSE_FIRST) {
  const clock = new FakeClock(T0);
  const db = await openSqliteStore(':memory:');
  const store = await SqlWorklistStore.open(db, { clock: () => clock.now(), policies });
  const projection = new OutcomeProjection(db);
  const queries = new OutcomeQueries(db);
  const at = (minutes: number) => {
    const target = T0 + minutes * MINUTE;
    return clock.advance(target - clock.now().getTime());
  };
  const ingest = async (event: unknown) => {
    const parsed = parseInboundEvent(event);
    if (!parsed.ok) throw new Error(parsed.reason);
    const result = await store.applyEvent(parsed.event);
    if (result.status !== 'applied') throw new Error(`${result.status}: ${result.reason ?? ''}`);
  };
  const act = async (actor: Principal, taskId: string, type: Command['type'], payload?: unknown) => {
    const result = await store.execute(
      { commandId: randomUUID(), taskId, type, payload, issuedAt: clock.now().toISOString() },
      actor,
    );
    if (result.status !== 'applied') throw new Error(`${type} ${taskId}: ${result.message ?? ''}`);
  };
  const scope = (window: { from: number; to: number }, units = ['4W', '5E']): MetricScope => ({
    units,
    window: {
      name: null,
      from: new Date(T0 + window.from * MINUTE).toISOString(),
      to: new Date(T0 + window.to * MINUTE).toISOString(),
    },
    now: clock.now(),
  });
  const figures = async (metric: MetricName, s: MetricScope): Promise<Figure[]> => {
    await projection.catchUp();
    return (await outcomeReport(queries, s)).figures.filter((f) => f.metric === metric);
  };
  return { clock, db, store, projection, queries, at, ingest, act, scope, figures };
}

const find = (figures: Figure[], match: Partial<Figure>) =>
  figures.find((f) =>
    Object.entries(match).every(([k, v]) => (f as unknown as Record<string, unknown>)[k] === v),
  );

function exception(taskId: string, reasonCode: string, unit = '4W') {
  return {
    specversion: '1.0',
    id: `ex-${taskId}`,
    source: 'urn:wardline:test',
    type: 'wardline.exception.raised',
    data: { taskId, revision: 1, reasonCode, title: `Exception ${taskId}`, priority: 'routine', unit },
  };
}

describe('outcome metrics from the changes log', () => {
  it('[M1] the first claim counts; a release and a second claim do not move it', async () => {
    const w = await ward();
    await w.ingest(routed('a', 1));
    await w.at(5);
    await w.act(okafor, 'a', 'claim');
    await w.at(8);
    await w.act(okafor, 'a', 'release');
    await w.at(20);
    await w.act(brightwater, 'a', 'claim');
    const [all] = await w.figures('time-to-claim', w.scope({ from: 0, to: 60 }));
    expect(all).toMatchObject({ unit: 'all', kind: 'all', priority: 'all', count: 1, p50Ms: 5 * MINUTE });
  });

  it('[M1] resolving unclaimed, unacknowledged work is its claim and its acknowledgement', async () => {
    const w = await ward();
    await w.ingest(routed('r', 1, { kind: 'follow-up', checklist: [], candidateRoles: ['Nurse'] }));
    await w.at(12);
    await w.act(okafor, 'r', 'resolve');
    const s = w.scope({ from: 0, to: 60 });
    for (const metric of ['time-to-claim', 'time-to-acknowledge', 'time-to-resolve'] as const) {
      expect(
        find(await w.figures(metric, s), { unit: '4W', kind: 'follow-up', priority: 'routine' }),
      ).toMatchObject({ count: 1, p50Ms: 12 * MINUTE, p90Ms: 12 * MINUTE });
    }
  });

  it('[M2] a duration belongs to the window holding its end, which is half-open', async () => {
    const w = await ward();
    await w.ingest(routed('early', 1));
    await w.ingest(routed('edge', 1));
    await w.at(10);
    await w.act(okafor, 'early', 'claim');
    await w.at(30);
    await w.act(okafor, 'edge', 'claim');
    // [10, 30): "early" ends inside; "edge" ends exactly at `to`, so it belongs to the next window.
    const inside = await w.figures('time-to-claim', w.scope({ from: 10, to: 30 }));
    expect(find(inside, { unit: 'all', kind: 'all', priority: 'all' })?.count).toBe(1);
    const next = await w.figures('time-to-claim', w.scope({ from: 30, to: 31 }));
    expect(find(next, { unit: 'all', kind: 'all', priority: 'all' })).toMatchObject({
      count: 1,
      p50Ms: 30 * MINUTE,
    });
  });

  it('[M4] every unit of the caller has a row, zero when quiet; other units never appear', async () => {
    const w = await ward();
    await w.ingest(routed('4w', 1));
    await w.ingest(routed('icu', 1, { unit: 'ICU' }));
    await w.at(3);
    await w.act(okafor, '4w', 'claim');
    await w.act(person('icu-nurse', ['Nurse'], ['ICU']), 'icu', 'claim');
    const figures = await w.figures('time-to-claim', w.scope({ from: 0, to: 60 }, ['4W', '5E']));
    expect(find(figures, { unit: '5E', kind: 'all', priority: 'all' })).toMatchObject({
      count: 0,
      p50Ms: null,
      p90Ms: null,
    });
    expect(figures.some((f) => f.unit === 'ICU')).toBe(false);
    expect(find(figures, { unit: 'all', kind: 'all', priority: 'all' })?.count).toBe(1);
  });

  it('[M5][M6] escalations by unit and level, and latency from the acknowledge-by time', async () => {
    const w = await ward();
    const scheduler = new EscalationScheduler({
      store: w.store,
      policies: CHARGE_NURSE_FIRST,
      clock: w.clock,
      logger: createLogger({ level: 'silent' }),
      onFired: () => undefined,
    });
    await scheduler.start();
    await w.ingest(
      routed('k', 1, {
        kind: 'result-ack',
        priority: 'stat',
        checklist: [],
        candidateRoles: ['Nurse', 'ChargeNurse'],
        ackBy: new Date(T0 + 10 * MINUTE).toISOString(),
      }),
    );
    await w.at(25); // level 1 fires at 10, level 2 at 20
    await w.act(charge4w, 'k', 'acknowledge');
    await w.ingest(routed('by-hand', 1, { kind: 'follow-up', checklist: [] }));
    await w.act(okafor, 'by-hand', 'escalate', { reason: 'Family asking for the doctor' });
    scheduler.stop();

    const s = w.scope({ from: 0, to: 60 });
    const escalations = await w.figures('escalations', s);
    expect(find(escalations, { unit: '4W', level: '1' })?.count).toBe(2);
    expect(find(escalations, { unit: '4W', level: '2' })?.count).toBe(1);
    expect(find(escalations, { unit: 'all', level: 'all' })?.count).toBe(3);
    const latency = await w.figures('escalation-latency', s);
    expect(find(latency, { unit: '4W', kind: 'result-ack' })).toMatchObject({
      count: 1,
      p50Ms: 15 * MINUTE,
    });
    const list = await tasksBehind(w.queries, 'escalations', s, { unit: '4W' }, charge4w, 10);
    expect(list.tasks.map((t) => [t.id, t.value])).toEqual([
      ['k', 2],
      ['by-hand', 1],
    ]);
  });

  it('[M7][M8] overdue work and the exception backlog are as of now', async () => {
    const w = await ward([]);
    await w.ingest(
      routed('late', 1, { kind: 'follow-up', checklist: [], dueAt: new Date(T0).toISOString() }),
    );
    await w.ingest(
      routed('fine', 1, { kind: 'follow-up', checklist: [], dueAt: new Date(T0 + 9e6).toISOString() }),
    );
    await w.ingest(
      routed('unacked', 1, {
        kind: 'result-ack',
        checklist: [],
        ackBy: new Date(T0 + 5 * MINUTE).toISOString(),
      }),
    );
    await w.ingest(exception('e-old', 'unmatched-identifier'));
    await w.at(90);
    await w.ingest(exception('e-new', 'eligibility-failed'));
    await w.ingest(exception('e-5e', 'eligibility-failed', '5E'));
    await w.at(100);
    const s = w.scope({ from: 0, to: 100 });
    const overdue = await w.figures('overdue', s);
    expect(find(overdue, { unit: '4W', kind: 'follow-up' })).toMatchObject({
      count: 1,
      oldestMs: 100 * MINUTE,
    });
    expect(find(overdue, { unit: '4W', kind: 'result-ack' })).toMatchObject({
      count: 1,
      oldestMs: 95 * MINUTE,
    });
    const backlog = await w.figures('exception-backlog', s);
    expect(find(backlog, { unit: '4W', reason: 'unmatched-identifier', age: '1h-4h' })?.count).toBe(1);
    expect(find(backlog, { unit: '4W', reason: 'eligibility-failed', age: 'under-1h' })?.count).toBe(1);
    expect(find(backlog, { unit: 'all', reason: 'all', age: 'under-1h' })?.count).toBe(2);
    expect(find(backlog, { unit: 'all', reason: 'all', age: 'all' })).toMatchObject({
      count: 3,
      oldestMs: 100 * MINUTE,
    });
  });

  it('[M9] a discharge is ready on time only when every item was done by the expected time', async () => {
    const w = await ward([]);
    const expected = new Date(T0 + 60 * MINUTE).toISOString();
    for (const id of ['ready', 'late-item', 'override'])
      await w.ingest(routed(id, 1, { expectedDischargeAt: expected }));
    await w.ingest(routed('no-time', 1));
    await w.at(5);
    for (const id of ['ready', 'late-item', 'override', 'no-time']) await w.act(okafor, id, 'claim');
    for (const item of ['med-rec', 'transport', 'education']) {
      await w.act(okafor, 'ready', 'checklist.set', { itemId: item, done: true });
      await w.act(okafor, 'no-time', 'checklist.set', { itemId: item, done: true });
    }
    await w.act(okafor, 'late-item', 'checklist.set', { itemId: 'med-rec', done: true });
    await w.act(okafor, 'late-item', 'checklist.set', { itemId: 'transport', done: true });
    await w.at(50);
    await w.act(okafor, 'override', 'resolve', { overrideReason: 'Patient left against advice' });
    await w.at(61);
    await w.act(okafor, 'late-item', 'checklist.set', { itemId: 'education', done: true });
    for (const id of ['ready', 'late-item', 'no-time']) await w.act(okafor, id, 'resolve');
    const figures = await w.figures('discharges-ready-on-time', w.scope({ from: 0, to: 120 }));
    expect(find(figures, { unit: '4W' })).toMatchObject({ count: 3, met: 1, share: 1 / 3 });
    const list = await tasksBehind(
      w.queries,
      'discharges-ready-on-time',
      w.scope({ from: 0, to: 120 }),
      {},
      okafor,
      10,
    );
    expect(list.tasks.map((t) => [t.id, t.met])).toEqual([
      ['ready', true],
      ['late-item', false],
      ['override', false],
    ]);
  });

  it('[M10] acknowledged within policy: early counts, late and unacknowledged-overdue do not', async () => {
    const w = await ward([]);
    const result = (id: string, ackByMinutes: number) =>
      routed(id, 1, {
        kind: 'result-ack',
        priority: 'urgent',
        checklist: [],
        ackBy: new Date(T0 + ackByMinutes * MINUTE).toISOString(),
      });
    await w.ingest(result('early', 30));
    await w.ingest(result('on-the-dot', 30));
    await w.ingest(result('late', 30));
    await w.ingest(result('never', 30));
    await w.ingest(result('undecided', 200));
    await w.ingest(result('withdrawn', 30));
    await w.at(10);
    await w.act(okafor, 'early', 'acknowledge');
    await w.ingest({
      specversion: '1.0',
      id: 'cancel-withdrawn',
      source: 's',
      type: 'wardline.task.cancelled',
      data: { taskId: 'withdrawn', revision: 2, reason: 'Repeat sample ordered' },
    });
    await w.at(30);
    await w.act(okafor, 'on-the-dot', 'acknowledge');
    await w.at(45);
    await w.act(okafor, 'late', 'acknowledge');
    await w.at(60);
    const s = w.scope({ from: 0, to: 300 });
    const figures = await w.figures('acknowledged-within-policy', s);
    expect(find(figures, { unit: '4W', kind: 'result-ack', priority: 'urgent' })).toMatchObject({
      count: 4,
      met: 2,
      share: 0.5,
    });
    const list = await tasksBehind(w.queries, 'acknowledged-within-policy', s, { unit: '4W' }, okafor, 10);
    expect(list.tasks.map((t) => [t.id, t.value / MINUTE, t.met])).toEqual([
      ['never', 30, false],
      ['late', 15, false],
      ['on-the-dot', 0, true],
      ['early', -20, true],
    ]);
  });

  it('[M11] the tasks behind a number are only those the caller may see', async () => {
    const w = await ward([]);
    await w.ingest(routed('dc', 1));
    await w.ingest(routed('res', 1, { kind: 'result-ack', checklist: [], candidateRoles: ['Nurse'] }));
    await w.at(4);
    await w.act(okafor, 'dc', 'claim');
    await w.act(okafor, 'res', 'claim');
    await w.projection.catchUp();
    const list = await tasksBehind(
      w.queries,
      'time-to-claim',
      w.scope({ from: 0, to: 10 }),
      {},
      coordinator,
      10,
    );
    expect(list).toMatchObject({ total: 2, hidden: 1, truncated: false });
    expect(list.tasks.map((t) => t.id)).toEqual(['dc']);
  });

  it('[M11] a charge nurse’s list (every task of the unit) and a coordinator’s (filtered) agree with visibleTo', async () => {
    const w = await ward([]);
    await w.ingest(routed('dc', 1));
    await w.ingest(routed('res', 1, { kind: 'result-ack', checklist: [], candidateRoles: ['Nurse'] }));
    await w.ingest(
      routed('fu-coord', 1, { kind: 'follow-up', checklist: [], candidateRoles: ['Coordinator'] }),
    );
    await w.ingest(routed('fu-5e', 1, { kind: 'follow-up', checklist: [], unit: '5E' }));
    await w.at(4);
    for (const id of ['dc', 'res']) await w.act(okafor, id, 'claim');
    await w.act(coordinator, 'fu-coord', 'claim');
    await w.act(person('nurse-5e', ['Nurse'], ['5E']), 'fu-5e', 'claim');
    await w.projection.catchUp();
    const s = w.scope({ from: 0, to: 10 }, ['4W']);
    expect(await tasksBehind(w.queries, 'time-to-claim', s, {}, charge4w, 10)).toMatchObject({
      total: 3,
      hidden: 0,
    });
    const theirs = await tasksBehind(
      w.queries,
      'time-to-claim',
      s,
      {},
      { ...coordinator, units: ['4W'] },
      10,
    );
    expect(theirs).toMatchObject({ total: 3, hidden: 1 });
    expect(theirs.tasks.map((t) => t.id).sort()).toEqual(['dc', 'fu-coord']);
  });

  it('[M11] a coordinator’s page interleaves the kinds they open everywhere with those their role opens', async () => {
    const w = await ward([]);
    const claims: Array<[string, number, Record<string, unknown>]> = [
      ['dc-2', 2, {}],
      ['dc-6', 6, {}],
      ['dc-9', 9, {}],
      ['fu-5', 5, { kind: 'follow-up', checklist: [], candidateRoles: ['Coordinator'] }],
      ['fu-8', 8, { kind: 'follow-up', checklist: [], candidateRoles: ['Coordinator'] }],
      ['res-7', 7, { kind: 'result-ack', checklist: [], candidateRoles: ['Nurse'] }],
    ];
    for (const [id, , extra] of claims) await w.ingest(routed(id, 1, extra));
    for (const [id, minute] of [...claims].sort((a, b) => a[1] - b[1])) {
      await w.at(minute);
      await w.act(id.startsWith('fu') ? coordinator : okafor, id, 'claim');
    }
    await w.projection.catchUp();
    const s = w.scope({ from: 0, to: 10 }, ['4W']);
    const mine = { ...coordinator, units: ['4W'] };
    // Slowest first across both parts, cut at the limit; the nurse-only result is counted, not listed.
    expect(await tasksBehind(w.queries, 'time-to-claim', s, {}, mine, 3)).toMatchObject({
      total: 6,
      hidden: 1,
      truncated: true,
      tasks: [{ id: 'dc-9' }, { id: 'fu-8' }, { id: 'dc-6' }],
    });
    expect((await tasksBehind(w.queries, 'time-to-claim', s, {}, mine, 10)).tasks.map((t) => t.id)).toEqual([
      'dc-9',
      'fu-8',
      'dc-6',
      'fu-5',
      'dc-2',
    ]);
  });

  it('[M11] candidate roles and an owner only ever add visibility, which the lead fast path relies on', async () => {
    const principals = [
      okafor,
      charge4w,
      coordinator,
      person('sup', ['Supervisor'], ['4W']),
      person('adm', ['Admin'], ['4W']),
      person('mixed', ['Nurse', 'Coordinator'], ['4W']),
    ];
    const roleSets: Principal['roles'][] = [
      [],
      ['Nurse'],
      ['Coordinator'],
      ['ChargeNurse'],
      ['Nurse', 'Coordinator'],
    ];
    for (const p of principals)
      for (const unit of ['4W', '5E'])
        for (const kind of TASK_KINDS) {
          if (!visibleTo({ unit, kind, candidateRoles: [], owner: null }, p)) continue;
          for (const candidateRoles of roleSets)
            for (const owner of [null, { id: p.id, name: '' }, { id: 'someone-else', name: '' }])
              expect(visibleTo({ unit, kind, candidateRoles, owner }, p), `${p.id} ${unit} ${kind}`).toBe(
                true,
              );
        }
    expect(
      [charge4w, person('sup', ['Supervisor'], ['4W']), coordinator, okafor].map((p) => seesAllOf(p, ['4W'])),
    ).toEqual([true, true, false, false]);
  });

  it('[M7][M8] open work is read through the partial index, whose statuses are the domain’s open ones', async () => {
    const open = TASK_STATUSES.filter((s) => !CLOSED_STATUSES.includes(s));
    expect(OPEN_STATUSES_SQL).toBe(`status IN (${open.map((s) => `'${s}'`).join(', ')})`);
    expect(loadMigrations('sqlite').find((m) => m.version === 5)?.sql).toContain(
      `WHERE ${OPEN_STATUSES_SQL};`,
    );
    const w = await ward([]);
    for (const metric of ['overdue', 'exception-backlog'] as const) {
      const cohort = OUTCOME_METRICS[metric].cohort({ units: ['4W', '5E', 'ICU'], from: 0, to: T0, now: T0 });
      const plan = w.db.db
        .prepare(`EXPLAIN QUERY PLAN SELECT c.unit, COUNT(*) FROM (${cohort.text}) AS c GROUP BY c.unit`)
        .all(...cohort.params) as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toContain('outcome_tasks_open');
    }
  });

  it('[M13] folding is resumable and repeating it is harmless', async () => {
    const w = await ward([]);
    for (let i = 0; i < 5; i++) await w.ingest(routed(`t${i}`, 1));
    await w.at(7);
    for (let i = 0; i < 5; i++) await w.act(okafor, `t${i}`, 'claim');
    const small = new OutcomeProjection(w.db, 3);
    expect(await small.foldBatch()).toBe(3);
    expect(await small.cursor()).toBe(3);
    expect(await small.catchUp()).toBe(7);
    expect(await small.catchUp()).toBe(0);
    expect(await w.projection.catchUp()).toBe(0); // same tables, same cursor
    const figures = await w.figures('time-to-claim', w.scope({ from: 0, to: 10 }));
    expect(find(figures, { unit: 'all', kind: 'all', priority: 'all' })).toMatchObject({
      count: 5,
      p50Ms: 7 * MINUTE,
    });
  });

  it('[M13] a snapshot that no longer parses fails loudly, naming its row', async () => {
    const w = await ward([]);
    await w.ingest(routed('x', 1));
    corrupt(w.db, 1);
    await expect(w.projection.catchUp()).rejects.toBeInstanceOf(CorruptRowError);
    expect(await w.projection.cursor()).toBe(0);
  });

  it('[M3][M4] groups roll up over every combination of dimensions, each linking to its tasks', async () => {
    const w = await ward([]);
    await w.ingest(routed('a', 1));
    await w.ingest(routed('b', 1, { priority: 'urgent' }));
    await w.ingest(routed('c', 1, { kind: 'follow-up', checklist: [] }));
    await w.at(1);
    await w.act(okafor, 'b', 'claim');
    await w.at(2);
    await w.act(okafor, 'c', 'claim');
    await w.at(3);
    await w.act(okafor, 'a', 'claim');
    const s = w.scope({ from: 0, to: 10 }, ['4W']);
    const figures = await w.figures('time-to-claim', s);
    expect(figures.map((f) => `${f.unit}/${f.kind}/${f.priority}:${f.count}`)).toEqual([
      'all/all/all:3',
      'all/all/routine:2',
      'all/all/urgent:1',
      'all/discharge/all:2',
      'all/discharge/routine:1',
      'all/discharge/urgent:1',
      'all/follow-up/all:1',
      'all/follow-up/routine:1',
      '4W/all/all:3',
      '4W/all/routine:2',
      '4W/all/urgent:1',
      '4W/discharge/all:2',
      '4W/discharge/routine:1',
      '4W/discharge/urgent:1',
      '4W/follow-up/all:1',
      '4W/follow-up/routine:1',
    ]);
    expect(figures[0]).toMatchObject({ p50Ms: 2 * MINUTE, p90Ms: 3 * MINUTE });
    expect(figures[0]?.tasks).toBe(
      `/api/metrics/tasks?metric=time-to-claim&from=${encodeURIComponent(s.window.from)}&to=${encodeURIComponent(s.window.to)}`,
    );
    expect(figures[4]?.tasks).toMatch(/&kind=discharge&priority=routine$/);
    const list = await tasksBehind(
      w.queries,
      'time-to-claim',
      s,
      { kind: 'discharge', priority: 'routine' },
      okafor,
      10,
    );
    expect(list.tasks.map((t) => [t.id, t.value])).toEqual([['a', 3 * MINUTE]]);
  });
});

function corrupt(db: SqliteEngine, seq: number): void {
  db.db.prepare('UPDATE changes SET task = ? WHERE seq = ?').run('{"kind":"nonsense"}', seq);
}
