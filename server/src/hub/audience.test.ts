import { describe, expect, it } from 'vitest';
import { ROLES, TASK_KINDS, visibleTo, type Principal, type Role, type Task } from '../../../src/domain';
import { AudienceIndex } from './audience';

/**
 * The index must answer exactly what `visibleTo` answers connection by connection (docs/HUB.md H4):
 * checked here against it on random callers and tasks, including callers whose units change.
 */
const UNITS = ['4W', '5E', 'ICU'];
const PEOPLE = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];

/** A small deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function someOf<T>(next: () => number, items: readonly T[]): T[] {
  return items.filter(() => next() < 0.4);
}

function oneOf<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

interface FakeConnection {
  caller: { principal: Principal };
}

function principal(next: () => number): Principal {
  const roles = someOf(next, ROLES);
  return {
    id: oneOf(next, PEOPLE),
    tenantId: 't',
    name: 'someone',
    roles: roles.length > 0 ? roles : ['Nurse'],
    units: someOf(next, UNITS),
  };
}

function task(next: () => number): Task {
  const owner =
    next() < 0.5 ? { id: oneOf(next, PEOPLE), name: 'someone', claimedAt: '2026-12-03T08:00:00Z' } : null;
  const candidateRoles = someOf(next, ROLES) as Role[];
  return {
    id: 'x',
    unit: oneOf(next, UNITS),
    kind: oneOf(next, TASK_KINDS),
    candidateRoles,
    owner,
  } as unknown as Task;
}

const names = (connections: FakeConnection[], all: FakeConnection[]) =>
  connections.map((c) => all.indexOf(c)).sort((a, b) => a - b);

describe('the audience index answers what visibleTo answers', () => {
  it('for 2,000 random changes over 60 callers, some moved or re-roled between changes', () => {
    const next = random(18);
    const index = new AudienceIndex<FakeConnection>();
    const all: FakeConnection[] = Array.from({ length: 60 }, () => ({
      caller: { principal: principal(next) },
    }));
    for (const c of all) index.place(c);
    for (let round = 0; round < 2000; round++) {
      if (round % 10 === 0) {
        // A move in the directory or a method's re-read replaces the principal, then the hub re-places.
        const moved = oneOf(next, all);
        moved.caller.principal = { ...principal(next), id: moved.caller.principal.id };
        index.place(moved);
      }
      const before = task(next);
      const after = { ...task(next), id: before.id };
      const seeing = all.filter((c) => visibleTo(after, c.caller.principal));
      expect(names(index.seeing(after), all)).toEqual(names(seeing, all));
      const losing = all.filter(
        (c) => visibleTo(before, c.caller.principal) && !visibleTo(after, c.caller.principal),
      );
      expect(names(index.losing(after, before), all)).toEqual(names(losing, all));
    }
  });

  it('a 5E nurse never gets a 4W change; after a move to 4W she does, and no longer 5E ones', () => {
    const index = new AudienceIndex<FakeConnection>();
    const fourW: FakeConnection = {
      caller: { principal: { id: 'a', tenantId: 't', name: 'A', roles: ['Nurse'], units: ['4W'] } },
    };
    const fiveE: FakeConnection = {
      caller: { principal: { id: 'b', tenantId: 't', name: 'B', roles: ['Nurse'], units: ['5E'] } },
    };
    index.place(fourW);
    index.place(fiveE);
    const on = (unit: string) =>
      ({ id: 'x', unit, kind: 'discharge', candidateRoles: ['Nurse'], owner: null }) as unknown as Task;
    expect(index.seeing(on('4W'))).toEqual([fourW]);
    fiveE.caller.principal = { ...fiveE.caller.principal, units: ['4W'] };
    index.place(fiveE);
    expect(index.seeing(on('4W'))).toEqual([fourW, fiveE]);
    expect(index.seeing(on('5E'))).toEqual([]);
    index.remove(fourW);
    expect(index.seeing(on('4W'))).toEqual([fiveE]);
    expect(index.size).toBe(1);
  });
});
