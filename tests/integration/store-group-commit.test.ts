/**
 * Group commit of inbound events (docs/STORE.md ST15–ST18) on both engines: a list of events is one
 * transaction, concurrent single events share commits, and nothing about the results, the order or
 * what listeners and phones hear changes.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInboundEvent, type Principal } from '../../src/domain';
import type { CommittedChange, IngestResult } from '../../server/src/store/contract';
import { SqlWorklistStore } from '../../server/src/store/worklist-store';
import { routed } from '../helpers/events';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { ENGINES, openEngine, type EngineName, type OpenedEngine } from '../helpers/store-engines';

const okafor: Principal = {
  id: 'nurse-okafor',
  tenantId: 't',
  name: 'R. Okafor',
  roles: ['Nurse'],
  units: ['4W'],
};

function event(input: unknown) {
  const parsed = parseInboundEvent(input);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

function updated(taskId: string, revision: number, id: string = randomUUID()) {
  return {
    specversion: '1.0',
    id,
    source: 'urn:wardline:test',
    type: 'wardline.task.updated',
    data: { taskId, revision, checklist: [{ id: 'med-rec', done: true }] },
  };
}

/** Valid, duplicate, stale and rejected events, and an update whose routing comes just before it. */
function mixed(prefix: string) {
  const first = routed(`${prefix}-a`, 2, {}, `${prefix}-e1`);
  return [
    first,
    first,
    routed(`${prefix}-a`, 1, {}, `${prefix}-e2`),
    updated(`${prefix}-unknown`, 1, `${prefix}-e3`),
    routed(`${prefix}-b`, 1, {}, `${prefix}-e4`),
    updated(`${prefix}-b`, 2, `${prefix}-e5`),
    routed(`${prefix}-a`, 3, {}, `${prefix}-e6`),
  ].map(event);
}

/** A trigger that fails any change of task `poisoned`: an SQL error in the middle of a group. */
async function poison(opened: OpenedEngine, name: EngineName, on: boolean): Promise<void> {
  const script =
    name === 'sqlite'
      ? on
        ? `CREATE TRIGGER poison BEFORE INSERT ON changes WHEN NEW.task_id = 'poisoned'
           BEGIN SELECT RAISE(ABORT, 'poisoned task'); END`
        : 'DROP TRIGGER poison'
      : on
        ? `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
             IF NEW.task_id = 'poisoned' THEN RAISE EXCEPTION 'poisoned task'; END IF; RETURN NEW; END $$;
           CREATE TRIGGER poison BEFORE INSERT ON changes FOR EACH ROW EXECUTE FUNCTION poison()`
        : 'DROP TRIGGER poison ON changes; DROP FUNCTION poison()';
  await opened.engine.transaction((tx) => tx.exec(script));
}

describe.each(ENGINES)('group commit of inbound events on %s', (engineName) => {
  let opened: OpenedEngine | null = null;
  afterEach(async () => {
    await opened?.close();
    opened = null;
  });

  async function store() {
    opened ??= await openEngine(engineName);
    return { s: await SqlWorklistStore.open(opened.engine), engine: opened.engine };
  }

  /** PostgreSQL stamps every row with the transaction that wrote it: one xmin is one commit. */
  async function writingTransactions(): Promise<number | null> {
    if (engineName !== 'postgres') return null;
    const row = await opened!.engine.get<{ n: number }>(
      'SELECT COUNT(DISTINCT xmin::text) AS n FROM changes',
    );
    return Number(row?.n);
  }

  it('[ST15] a list of 50 events is one commit: seq follows the list, and every row was written by one transaction', async () => {
    const { s, engine } = await store();
    const list = Array.from({ length: 50 }, (_, i) => event(routed(`g-${i}`, 1)));
    const before = engine.commits;
    const results = await s.applyEvents(list);
    expect(engine.commits - before).toBe(1);
    expect(results).toEqual(list.map((e) => ({ id: e.id, status: 'applied' })));
    const seqs = await Promise.all(list.map(async (e) => (await s.getTask(e.data.taskId))?.seq));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const transactions = await writingTransactions();
    if (transactions !== null) expect(transactions).toBe(1);
  });

  it('[ST15] valid, duplicate, stale and rejected events in one group get the same results as one by one, and an update right after its routing applies', async () => {
    const { s } = await store();
    const oneByOne: IngestResult[] = [];
    for (const e of mixed('one')) oneByOne.push(await s.applyEvent(e));
    const grouped = await s.applyEvents(mixed('grp'));
    expect(JSON.stringify(grouped).replaceAll('grp-', 'one-')).toBe(JSON.stringify(oneByOne));
    expect(grouped.map((r) => r.status)).toEqual([
      'applied',
      'duplicate',
      'stale',
      'rejected',
      'applied',
      'applied',
      'applied',
    ]);
    for (const suffix of ['a', 'b']) {
      const [one, grp] = await Promise.all([s.getTask(`one-${suffix}`), s.getTask(`grp-${suffix}`)]);
      const done = (t: typeof one) => t?.checklist.map((item) => [item.id, item.done]);
      expect([grp?.revision, grp?.version, done(grp)]).toEqual([one?.revision, one?.version, done(one)]);
    }
  });

  it('[ST16] an SQL error in the middle of a group applies none of it; the retry applies it once', async () => {
    const { s, engine } = await store();
    await poison(opened!, engineName, true);
    const list = [routed('p-1', 1), routed('poisoned', 1), routed('p-2', 1)].map(event);
    await expect(s.applyEvents(list)).rejects.toThrow(/poisoned task/);
    expect(await s.lastSeq()).toBe(0);
    expect(await s.getTask('p-1')).toBeNull();
    const inbox = await engine.get<{ n: number }>('SELECT COUNT(*) AS n FROM inbox');
    expect(Number(inbox?.n)).toBe(0);

    await poison(opened!, engineName, false);
    expect((await s.applyEvents(list)).map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    expect((await s.applyEvents(list)).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await s.lastSeq()).toBe(3);
  });

  it("[ST17] 60 concurrent applyEvent calls share commits, each caller gets its own result, one task's revisions keep their order", async () => {
    const { s, engine } = await store();
    const heard: CommittedChange[] = [];
    s.onCommitted((c) => heard.push(c));
    const inputs = Array.from({ length: 60 }, (_, i) => routed(`c-${i % 20}`, 1 + Math.floor(i / 20)));
    const before = engine.commits;
    const results = await Promise.all(inputs.map((e) => s.applyEvent(event(e))));
    expect(results).toEqual(inputs.map((e) => ({ id: e.id, status: 'applied' })));
    expect(engine.commits - before).toBeLessThan(60);
    for (let t = 0; t < 20; t++) expect((await s.getTask(`c-${t}`))?.revision).toBe(3);
    await eventually(() => heard.length >= 60, 20_000);
    expect(heard.map((c) => c.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it("[ST17] one caller's SQL error fails only that caller when its group-mates arrived concurrently", async () => {
    const { s } = await store();
    await poison(opened!, engineName, true);
    const settled = await Promise.allSettled(
      [routed('q-1', 1), routed('poisoned', 1), routed('q-2', 1)].map((e) => s.applyEvent(event(e))),
    );
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await s.getTask('q-1')).not.toBeNull();
    expect(await s.getTask('q-2')).not.toBeNull();
    expect(await s.getTask('poisoned')).toBeNull();
  });

  it('[ST4][ST17] an event, a staff action and another event for one task, asked at once, are written in that order', async () => {
    const { s } = await store();
    const routing = s.applyEvent(event(routed('o-1', 1)));
    const claim = s.execute(
      {
        commandId: randomUUID(),
        taskId: 'o-1',
        type: 'claim',
        payload: {},
        issuedAt: new Date().toISOString(),
      },
      okafor,
    );
    const update = s.applyEvent(event(updated('o-1', 2)));
    expect((await Promise.all([routing, claim, update])).map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
    ]);
    expect((await s.auditTrail('o-1')).map((e) => e.change)).toEqual(['routed', 'claimed', 'progress']);
  });
});

/**
 * [ST16] What phones hear: a batch posted to a relay is one group; a nurse connected to it — and on
 * PostgreSQL a nurse connected to a second relay, told by NOTIFY (CL2) — receives every change of it,
 * once, in seq order.
 */
describe.each(ENGINES)('a batch ingested as one group, heard by the hub on %s', (engineName) => {
  const relays: TestRelay[] = [];
  const clients: WorklistClient[] = [];
  let opened: OpenedEngine | null = null;
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    for (const relay of relays.splice(0)) await relay.stop();
    await opened?.close();
    opened = null;
  });

  it('[ST16][CL2] a batch of 40 changes reaches the nurse in seq order, once each', async () => {
    opened = await openEngine(engineName);
    const a = await startTestRelay({ ...opened.env, RELAY_ID: 'group-a' });
    relays.push(a);
    const urls = [a.url];
    if (engineName === 'postgres') {
      const b = await startTestRelay({ ...opened.env, RELAY_ID: 'group-b' });
      relays.push(b);
      urls.push(b.url);
    }
    for (const url of urls) clients.push(await connectAs(url, 'nurse-okafor'));
    const batch = Array.from({ length: 40 }, (_, i) => routed(`hub-${i % 10}`, 1 + Math.floor(i / 10)));
    const token = await devToken(a.url, 'integration-engine');
    const posted = await postEvents(a.url, token, batch);
    expect(posted.status).toBe(202);
    expect(posted.body.results.map((r) => r.status)).toEqual(batch.map(() => 'applied'));
    for (const client of clients) {
      await eventually(() => client.received.changed.length >= 40, 20_000);
      const seqs = client.received.changed.map((t) => t.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(40);
      expect(client.received.changed.map((t) => `${t.id}:${t.revision}`)).toEqual(
        batch.map((e) => `${e.data.taskId}:${e.data.revision}`),
      );
    }
  });
});
