/**
 * The store contract (docs/STORE.md ST1–ST10) against both engines: every behaviour the relay relies
 * on, and the concurrency only a multi-writer engine can get wrong.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, parseInboundEvent, type Command, type Principal } from '../../src/domain';
import { syncPage, CLOSED_RETENTION_MS } from '../../server/src/hub/sync';
import { OutcomeProjection } from '../../server/src/metrics/projection';
import { OutcomeQueries } from '../../server/src/metrics/outcome-queries';
import { outcomeReport } from '../../server/src/metrics/outcomes';
import type { CommittedChange } from '../../server/src/store/contract';
import { bedKey } from '../../server/src/store/assignment-steps';
import { PushClaims, PUSH_TAKEOVER_MS } from '../../server/src/push/claims';
import { SqlWorklistStore, type WorklistStoreOptions } from '../../server/src/store/worklist-store';
import type { StoreEngine } from '../../server/src/store/engine';
import { routed, statResult } from '../helpers/events';
import { eventually } from '../helpers/hub-client';
import { ENGINES, openEngine, type OpenedEngine } from '../helpers/store-engines';

const okafor: Principal = {
  id: 'nurse-okafor',
  tenantId: 't',
  name: 'R. Okafor',
  roles: ['Nurse'],
  units: ['4W'],
};
const brightwater: Principal = { ...okafor, id: 'nurse-brightwater', name: 'D. Brightwater' };
const MINUTE = 60_000;

function event(input: unknown) {
  const parsed = parseInboundEvent(input);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

function command(
  taskId: string,
  type: Command['type'],
  payload: unknown = {},
  commandId = randomUUID(),
): Command {
  return { commandId, taskId, type, payload, issuedAt: new Date().toISOString() } as Command;
}

describe.each(ENGINES)('the store contract on %s', (engineName) => {
  let opened: OpenedEngine | null = null;
  afterEach(async () => {
    await opened?.close();
    opened = null;
  });

  async function store(options: WorklistStoreOptions = {}, engine?: StoreEngine) {
    opened ??= await openEngine(engineName);
    return SqlWorklistStore.open(engine ?? opened.engine, options);
  }

  it('[ST2][ST3] an event applies once: a repeat is a duplicate, an older revision is stale and stored', async () => {
    const s = await store();
    const first = routed('t1', 2);
    expect(await s.applyEvent(event(first))).toEqual({ id: first.id, status: 'applied' });
    expect(await s.applyEvent(event(first))).toEqual({ id: first.id, status: 'duplicate' });
    const older = routed('t1', 1);
    expect(await s.applyEvent(event(older))).toMatchObject({ status: 'stale' });
    expect(await s.applyEvent(event(older))).toMatchObject({ status: 'duplicate' });
    expect((await s.getTask('t1'))?.revision).toBe(2);
    expect(await s.lastSeq()).toBe(1);
  });

  it('[ST4] a repeated commandId gets its stored answer, rejections included; another action under it is refused', async () => {
    const s = await store();
    await s.applyEvent(event(routed('t2', 1)));
    const claim = command('t2', 'claim');
    expect(await s.execute(claim, okafor)).toMatchObject({ status: 'applied' });
    expect(await s.execute(claim, okafor)).toMatchObject({ status: 'duplicate', original: 'applied' });
    const late = command('t2', 'claim');
    const refused = await s.execute(late, brightwater);
    expect(refused).toMatchObject({ status: 'rejected', code: 'conflict' });
    expect(await s.execute(late, brightwater)).toMatchObject({
      status: 'duplicate',
      original: 'rejected',
      code: 'conflict',
      message: (refused as { message: string }).message,
    });
    expect(await s.execute({ ...claim, taskId: 'other' }, okafor)).toMatchObject({
      status: 'rejected',
      code: 'invalid',
    });
    expect((await s.auditTrail('t2')).map((e) => e.change)).toEqual(['routed', 'claimed']);
  });

  it('[ST5] the audit trail holds every change in seq order with who, why and the versions', async () => {
    const s = await store();
    const routedEvent = routed('t3', 1);
    await s.applyEvent(event(routedEvent));
    const claim = command('t3', 'claim');
    await s.execute(claim, okafor);
    await s.execute(command('t3', 'comment', { text: 'Family arriving at 3' }), okafor);
    const trail = await s.auditTrail('t3');
    expect(trail.map((e) => [e.change, e.actor.id, e.versionBefore, e.versionAfter])).toEqual([
      ['routed', 'system', 0, 1],
      ['claimed', 'nurse-okafor', 1, 2],
      ['commented', 'nurse-okafor', 2, 3],
    ]);
    expect(trail[0]?.eventId).toBe(routedEvent.id);
    expect(trail[1]?.commandId).toBe(claim.commandId);
    expect(trail.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await s.taskStatesSince('t3', 2)).toHaveLength(2);
  });

  it("[ST13] the handover reads: a change's own snapshot, pending offers, and open work per owner", async () => {
    const lookupStaff = (_tenant: string, id: string) =>
      Promise.resolve(id === brightwater.id ? brightwater : null);
    const s = await store({ lookupStaff });
    for (const id of ['h1', 'h2']) await s.applyEvent(event(routed(id, 1)));
    await s.execute(command('h1', 'claim'), okafor);
    await s.execute(command('h2', 'claim'), okafor);
    const offer = await s.execute(
      command('h1', 'handover.offer', { to: { id: brightwater.id }, note: { summary: 'Day 3' } }),
      okafor,
    );
    expect(offer).toMatchObject({ status: 'applied' });
    const offered = (await s.auditTrail('h1')).find((e) => e.change === 'handover-offered');
    expect((await s.taskAtChange(offered!.seq))?.handover?.note?.summary).toBe('Day 3');
    expect(await s.taskAtChange(10_000)).toBeNull();
    expect((await s.openTasksWithPendingHandover()).map((t) => t.id)).toEqual(['h1']);
    const counts = await s.openCountsByOwner([okafor.id, brightwater.id]);
    expect(counts.get(okafor.id)).toBe(2);
    expect(counts.get(brightwater.id)).toBeUndefined();
    // The outbound event names the receiver by id and carries no note.
    const offeredRow = (await s.pendingOutbox(10)).find((r) => r.type === 'wardline.task.handover.offered');
    expect(JSON.parse(offeredRow!.body).data).toMatchObject({
      handoverToId: brightwater.id,
      previousOwnerId: okafor.id,
    });
    expect(offeredRow!.body).not.toContain('Day 3');
  });

  it('[ST7] outbox rows are written with their change, in commit order, and leave once published', async () => {
    const s = await store();
    for (const id of ['a', 'b']) await s.applyEvent(event(routed(id, 1)));
    await s.execute(command('a', 'claim'), okafor);
    await s.execute(command('b', 'claim'), okafor);
    await s.execute(command('a', 'release'), okafor);
    const rows = await s.pendingOutbox(10);
    expect(rows.map((r) => `${r.taskId}:${r.type}`)).toEqual([
      'a:wardline.task.claimed',
      'b:wardline.task.claimed',
      'a:wardline.task.released',
    ]);
    expect(rows.map((r) => JSON.parse(r.body).data.seq)).toEqual([3, 4, 5]);
    expect(await s.outboxDepth()).toBe(3);
    await s.markPublished([rows[0]!.id]);
    expect((await s.pendingOutbox(10)).map((r) => r.id)).toEqual([rows[1]!.id, rows[2]!.id]);
  });

  it('[ST8] the escalation deadline is stored with the task, found when due, and moved by a system change', async () => {
    let now = new Date('2026-11-26T08:00:00Z');
    const s = await store({ clock: () => now, policies: DEFAULT_POLICIES.policies });
    await s.applyEvent(event(statResult('k', new Date(now.getTime() + 10 * MINUTE))));
    await s.applyEvent(event(routed('quiet', 1)));
    const deadline = await s.nextEscalationAt();
    expect(deadline).not.toBeNull();
    expect(await s.dueEscalations(new Date(Date.parse(deadline!) - 1).toISOString(), 10)).toEqual([]);
    expect(await s.dueEscalations(deadline!, 10)).toEqual(['k']);
    now = new Date(Date.parse(deadline!));
    const moved = await s.applySystemChange('k', (task) => ({
      task: { ...task, escalation: { ...task.escalation, nextAt: null } },
      change: 'escalation-cleared',
    }));
    expect(moved?.change).toBe('escalation-cleared');
    expect(await s.nextEscalationAt()).toBeNull();
    expect(await s.applySystemChange('missing', (task) => ({ task, change: 'x' }))).toBeNull();
  });

  it('[ST6] listeners hear each committed change once, in seq order, and a failing listener changes nothing', async () => {
    const s = await store();
    const heard: number[] = [];
    s.onCommitted(() => {
      throw new Error('a broken listener');
    });
    s.onCommitted((c: CommittedChange) => heard.push(c.seq));
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.applyEvent(event(routed(`l${i}`, 1)))));
    // On PostgreSQL listeners hear commits from the change tail (CL2), a few milliseconds after the
    // write resolves: wait for the tenth, then make sure nothing is heard twice.
    await eventually(() => heard.length >= 10);
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('[ST9] the outcome projection folds the change log into the same figures', async () => {
    let now = new Date('2026-11-26T08:00:00Z');
    const s = await store({ clock: () => now });
    await s.applyEvent(event(routed('m1', 1)));
    await s.applyEvent(event(routed('m2', 1)));
    now = new Date(now.getTime() + 7 * MINUTE);
    await s.execute(command('m1', 'claim'), okafor);
    now = new Date(now.getTime() + 2 * MINUTE);
    await s.execute(command('m2', 'claim'), okafor);
    const projection = new OutcomeProjection(opened!.engine, 2);
    expect(await projection.catchUp()).toBe(4);
    expect(await projection.catchUp()).toBe(0);
    const report = await outcomeReport(new OutcomeQueries(opened!.engine), {
      units: ['4W'],
      window: { name: null, from: '2026-11-26T07:00:00.000Z', to: '2026-11-26T09:00:00.000Z' },
      now,
    });
    const claimed = report.figures.find(
      (f) => f.metric === 'time-to-claim' && f.unit === 'all' && f.kind === 'all' && f.priority === 'all',
    );
    expect(claimed).toMatchObject({ count: 2, p50Ms: 7 * MINUTE, p90Ms: 9 * MINUTE });
  });

  it('[ST10] sync keeps a day of finished work and reports older finished work as removed', async () => {
    let now = new Date('2026-11-26T08:00:00Z');
    const s = await store({ clock: () => now });
    await s.applyEvent(event(routed('old', 1)));
    await s.applyEvent(event(routed('recent', 1)));
    const cancel = (taskId: string) => ({
      specversion: '1.0',
      id: `cancel-${taskId}`,
      source: 's',
      type: 'wardline.task.cancelled',
      data: { taskId, revision: 2, reason: 'gone' },
    });
    await s.applyEvent(event(cancel('old')));
    now = new Date(now.getTime() + CLOSED_RETENTION_MS);
    await s.applyEvent(event(cancel('recent')));
    now = new Date(now.getTime() + MINUTE);
    const page = await syncPage(s, okafor, 0, now);
    expect(page.tasks.map((t) => t.id)).toEqual(['recent']);
    expect(page.removed).toEqual(['old']);
  });

  it('[ST1][ST4] 20 writers on one task through separate connections: one change each, seq contiguous', async () => {
    const s = await store();
    await s.applyEvent(event(routed('busy', 1)));
    const writers = await Promise.all(
      Array.from({ length: 20 }, async () => SqlWorklistStore.open(await opened!.another({ poolSize: 1 }))),
    );
    const commands = writers.map((_, i) => command('busy', 'comment', { text: `note ${i}` }));
    const answers = await Promise.all(writers.map((w, i) => w.execute(commands[i]!, okafor)));
    expect(answers.every((a) => a.status === 'applied')).toBe(true);
    // Each writer repeats its command at once, all together: every repeat hears its stored answer.
    const repeats = await Promise.all(writers.map((w, i) => w.execute(commands[i]!, okafor)));
    expect(repeats.every((a) => a.status === 'duplicate' && a.original === 'applied')).toBe(true);
    const trail = await s.auditTrail('busy');
    expect(trail).toHaveLength(21);
    expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(trail.map((e) => e.versionAfter)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect((await s.getTask('busy'))?.comments).toHaveLength(20);
  });

  it('[AS7][AS6][AS10][AS12][AS15] assignBeds: once per commandId, one winner when two nurses race for a bed on separate connections, work routed and moved in the same transactions', async () => {
    const shift = {
      id: '2026-12-03T07:00',
      label: 'Day 07:00–19:00',
      startsAt: '2026-12-03T07:00:00.000Z',
      endsAt: '2026-12-03T19:00:00.000Z',
    };
    const s = await store({ shiftIdAt: () => shift.id, policies: DEFAULT_POLICIES.policies });
    const take = (who: Principal, beds: string[], commandId = randomUUID()) => ({
      command: { commandId, unit: '4W', beds, nurseId: who.id, shiftId: shift.id, madeAt: shift.startsAt },
      actor: who,
      nurse: who,
      shift,
    });
    const writers = await Promise.all(
      [0, 1].map(async () => SqlWorklistStore.open(await opened!.another({ poolSize: 1 }))),
    );
    const racing = await Promise.all([
      writers[0]!.assignBeds(take(okafor, ['4W-03', '4W-04'])),
      writers[1]!.assignBeds(take(brightwater, ['4W-04', '4W-05'])),
    ]);
    expect(racing.map((r) => r.status).sort()).toEqual(['applied', 'rejected']);
    expect(racing.find((r) => r.status === 'rejected')).toMatchObject({ code: 'conflict' });
    const winner = racing[0]!.status === 'applied' ? okafor : brightwater;
    const board = await s.bedAssignments('4W', shift.id);
    expect(board.every((a) => a.nurse?.id === winner.id)).toBe(true);
    expect(board.map((a) => a.bed)).toContain('4W-04');
    // AS13: the scheduler's one read for a round: every assigned bed of the units asked, keyed by bed.
    const nurses = await s.bedNurses(['4W', '5E'], shift.id);
    expect([...nurses.keys()].sort()).toEqual(board.map((a) => bedKey('4W', a.bed)).sort());
    expect(nurses.get(bedKey('4W', '4W-04'))).toEqual({ id: winner.id, name: winner.name });
    expect((await s.bedNurses(['5E'], shift.id)).size).toBe(0);
    expect((await s.bedNurses([], shift.id)).size).toBe(0);

    const again = take(winner, ['4W-06']);
    expect(await s.assignBeds(again)).toMatchObject({ status: 'applied' });
    expect(await writers[1]!.assignBeds(again)).toMatchObject({ status: 'duplicate', original: 'applied' });

    await s.applyEvent(
      event(routed('as-t', 1, { patient: { ref: 'P/1', name: 'A', mrn: 'M1', bed: '4W-04' } })),
    );
    expect((await s.getTask('as-t'))?.owner?.id).toBe(winner.id);
    expect((await s.auditTrail('as-t')).map((e) => [e.change, e.detail])).toEqual([
      // L4: an upstream change keeps the event's source as its detail, to be named on screen.
      ['routed', 'urn:wardline:test'],
      ['assigned-nurse', 'Assigned nurse for 4W-04'],
    ]);
    const other = winner.id === okafor.id ? brightwater : okafor;
    const charge: Principal = { ...okafor, id: 'charge', name: 'H. Marchbank', roles: ['ChargeNurse'] };
    const moved = await s.assignBeds({ ...take(other, ['4W-04']), actor: charge });
    expect(moved.status).toBe('applied');
    expect(moved.moved.map((c) => [c.task.id, c.task.owner?.id, c.change])).toEqual([
      ['as-t', other.id, 'assigned-nurse'],
    ]);
    expect((await s.getTask('as-t'))?.owner?.id).toBe(other.id);
    expect((await s.assignmentAudit('4W')).map((e) => [e.bed, e.nurse?.id, e.by.id])).toContainEqual([
      '4W-04',
      other.id,
      'charge',
    ]);
  });

  it('[AS14] a push claim: the first relay to claim an alert sends it; a claim left unsent is taken over once', async () => {
    opened ??= await openEngine(engineName);
    let now = 1_000_000;
    const a = new PushClaims(opened.engine, 'relay-a', () => now);
    const b = new PushClaims(opened.engine, 'relay-b', () => now);
    expect(await a.claim('t1:patient')).toEqual({ kind: 'mine' });
    expect(await b.claim('t1:patient')).toEqual({ kind: 'elsewhere', inMs: PUSH_TAKEOVER_MS + 100 });
    await a.sent('t1:patient');
    expect(await b.takeOver('t1:patient')).toEqual({ kind: 'sent' });
    // A claims t2 and dies before sending: once the claim is old, one of B and C takes it over.
    expect(await a.claim('t2:patient')).toEqual({ kind: 'mine' });
    now += PUSH_TAKEOVER_MS;
    const c = new PushClaims(opened.engine, 'relay-c', () => now);
    const takers = await Promise.all([b.takeOver('t2:patient'), c.takeOver('t2:patient')]);
    expect(takers.map((t) => t.kind).sort()).toEqual(['elsewhere', 'mine']);
    // A, thawed, cannot mark sent a claim that is no longer its own.
    await a.sent('t2:patient');
    expect((await b.takeOver('t2:patient')).kind).not.toBe('sent');
  });

  it('[ST1] a reader tailing seq never misses a committed change while writers race', async () => {
    const s = await store();
    const TASKS = 8;
    const PER_TASK = 6;
    for (let i = 0; i < TASKS; i++) await s.applyEvent(event(routed(`race-${i}`, 1)));
    const start = await s.lastSeq();
    const writers = await Promise.all(
      Array.from({ length: TASKS }, async () =>
        SqlWorklistStore.open(await opened!.another({ poolSize: 1 })),
      ),
    );
    const reader = opened!.engine;
    const seen: number[] = [];
    let done = false;
    let gaps = 0;
    const tail = (async () => {
      let cursor = start;
      while (!done || cursor < start + TASKS * PER_TASK) {
        const rows = await reader.all<{ seq: number }>('SELECT seq FROM changes WHERE seq > ? ORDER BY seq', [
          cursor,
        ]);
        for (const { seq } of rows) {
          if (Number(seq) !== cursor + 1) gaps++;
          cursor = Number(seq);
          seen.push(cursor);
        }
      }
    })();
    await Promise.all(
      writers.map(async (w, i) => {
        for (let k = 0; k < PER_TASK; k++)
          await w.execute(command(`race-${i}`, 'comment', { text: `update ${k}` }), okafor);
      }),
    );
    done = true;
    await tail;
    expect(gaps).toBe(0);
    expect(seen).toEqual(Array.from({ length: TASKS * PER_TASK }, (_, i) => start + i + 1));
  });
});
