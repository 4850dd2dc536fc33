import { describe, expect, it } from 'vitest';
import { parseInboundEvent, type Principal } from '../../src/domain';
import { CLOSED_RETENTION_MS, syncPage } from '../../server/src/hub/sync';
import type { WorklistStore } from '../../server/src/store/contract';
import { memoryStore } from '../helpers/store';
import { routed } from '../helpers/events';

const nurse: Principal = { id: 'n1', tenantId: 't', name: 'A. Nurse', roles: ['Nurse'], units: ['4W'] };

async function apply(store: WorklistStore, event: unknown) {
  const parsed = parseInboundEvent(event);
  if (!parsed.ok) throw new Error(parsed.reason);
  return store.applyEvent(parsed.event);
}

describe('[H1] sync retention of finished work', () => {
  it('sends work finished within a day and reports older finished work as removed', async () => {
    let now = new Date('2026-11-26T08:00:00Z');
    const store = await memoryStore({ clock: () => now });
    await apply(store, routed('old', 1));
    await apply(store, routed('recent', 1));
    await apply(store, {
      specversion: '1.0',
      id: 'c-old',
      source: 's',
      type: 'wardline.task.cancelled',
      data: { taskId: 'old', revision: 2, reason: 'gone' },
    });
    now = new Date(now.getTime() + CLOSED_RETENTION_MS);
    await apply(store, {
      specversion: '1.0',
      id: 'c-new',
      source: 's',
      type: 'wardline.task.cancelled',
      data: { taskId: 'recent', revision: 2, reason: 'gone' },
    });
    now = new Date(now.getTime() + 60_000);

    const page = await syncPage(store, nurse, 0, now);
    expect(page.tasks.map((t) => t.id)).toEqual(['recent']);
    expect(page.removed).toEqual(['old']);
    expect(page.complete).toBe(true);
  });

  it('pages by the scan size and resumes exactly where it stopped', async () => {
    const store = await memoryStore();
    for (let i = 0; i < 25; i++) await apply(store, routed(`t${i}`, 1, { unit: i % 5 === 0 ? '5E' : '4W' }));
    const seen: string[] = [];
    let cursor = 0;
    let pages = 0;
    for (;;) {
      const page = await syncPage(store, nurse, cursor, new Date(), 10);
      pages++;
      seen.push(...page.tasks.map((t) => t.id));
      cursor = page.cursor;
      if (page.complete) break;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(20);
    expect(seen.some((id) => ['t0', 't5', 't10'].includes(id))).toBe(false);
  });
});

describe('[H1] the last page says so', () => {
  it('ends two full pages of changes on the second page, complete, without an empty third', async () => {
    const store = await memoryStore();
    for (let i = 0; i < 20; i++) await apply(store, routed(`t${i}`, 1));
    const first = await syncPage(store, nurse, 0, new Date(), 10);
    expect(first).toMatchObject({ complete: false });
    expect(first.tasks).toHaveLength(10);
    const second = await syncPage(store, nurse, first.cursor, new Date(), 10);
    expect(second.tasks).toHaveLength(10);
    expect(second).toMatchObject({ complete: true, cursor: await store.lastSeq() });
    // A change after that page is found from its cursor, as always.
    await apply(store, routed('t20', 1));
    const third = await syncPage(store, nurse, second.cursor, new Date(), 10);
    expect(third.tasks.map((t) => t.id)).toEqual(['t20']);
    expect(third.complete).toBe(true);
  });
});

describe('[F6] the work of one sync page is bounded', () => {
  it('ends a page after its history look-ups for tasks the caller cannot see, and the next page goes on from there', async () => {
    const store = await memoryStore();
    await apply(store, routed('mine', 1, { unit: '4W' }));
    // A moved task: the caller saw it on 4W, now it is on 5E; it must still come out as removed.
    await apply(store, routed('moved', 1, { unit: '4W' }));
    // Work on 5E that changed after its creation: the caller might have held an earlier state of it.
    for (let i = 0; i < 30; i++) await apply(store, routed(`other-${i}`, 1, { unit: '5E' }));
    for (let i = 0; i < 30; i++) await apply(store, routed(`other-${i}`, 2, { unit: '5E' }));
    await apply(store, routed('moved', 2, { unit: '5E' }));
    await apply(store, routed('late', 1, { unit: '4W' }));
    const removed: string[] = [];
    const tasks: string[] = [];
    let cursor = 1;
    let pages = 0;
    for (;;) {
      const page = await syncPage(store, nurse, cursor, new Date(), 1_000, 8);
      pages++;
      expect(page.cursor).toBeGreaterThan(cursor);
      tasks.push(...page.tasks.map((t) => t.id));
      removed.push(...page.removed);
      cursor = page.cursor;
      if (page.complete) break;
    }
    // 31 tasks the nurse cannot see, 8 look-ups a page: four pages, not one unbounded one.
    expect(pages).toBe(4);
    expect(removed).toEqual(['moved']);
    expect(tasks).toEqual(['late']);
    expect(cursor).toBe(await store.lastSeq());
  });
});

describe("[F6][H11] a catch-up over other units' new work", () => {
  it("needs no history look-ups: a task with one state only was never the caller's", async () => {
    const store = await memoryStore();
    await apply(store, routed('mine', 1, { unit: '4W' }));
    await apply(store, routed('moved', 1, { unit: '4W' }));
    for (let i = 0; i < 30; i++) await apply(store, routed(`new-${i}`, 1, { unit: '5E' }));
    await apply(store, routed('moved', 2, { unit: '5E' }));
    // Eight look-ups a page, 31 tasks the nurse cannot see: one page, since only `moved` had a past.
    const page = await syncPage(store, nurse, 2, new Date(), 1_000, 8);
    expect(page.complete).toBe(true);
    expect(page.removed).toEqual(['moved']);
    expect(page.tasks).toEqual([]);
    expect(page.cursor).toBe(await store.lastSeq());
  });
});
