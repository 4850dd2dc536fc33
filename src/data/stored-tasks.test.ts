import { describe, expect, it } from 'vitest';
import { aTask } from '../domain/testing/fixtures';
import { findUnreadable, keepUnchanged } from './stored-tasks';

describe('[S14] stored tasks are checked on read', () => {
  it('finds nothing to resync when every row parses', () => {
    const rows = [aTask({ id: 't1', seq: 10 }), aTask({ id: 't2', seq: 12 })];
    expect(findUnreadable(rows)).toEqual({ ids: [], rewindTo: null });
  });

  it.each([
    ['a field of an older shape missing', { ...aTask({ id: 'bad', seq: 40 }), status: undefined }],
    ['a status no build knows', { ...aTask({ id: 'bad', seq: 40 }), status: 'archived' }],
    ['a checklist that is not a list', { ...aTask({ id: 'bad', seq: 40 }), checklist: 'none' }],
  ])('resyncs a row with %s from just below its seq', (_what, row) => {
    const found = findUnreadable([aTask({ id: 'ok', seq: 50 }), row]);
    expect(found).toEqual({ ids: ['bad'], rewindTo: 39 });
  });

  it('asks for everything when a failing row has no readable seq', () => {
    const row = { ...aTask({ id: 'bad' }), seq: 'seven', title: null };
    expect(findUnreadable([row])).toEqual({ ids: ['bad'], rewindTo: 0 });
  });

  it('winds back far enough for the oldest of several failing rows', () => {
    const rows = [
      { ...aTask({ id: 'a', seq: 90 }), kind: 'x' },
      { ...aTask({ id: 'b', seq: 30 }), kind: 'x' },
    ];
    expect(findUnreadable(rows)).toEqual({ ids: ['a', 'b'], rewindTo: 29 });
  });
});

describe('[S9] a re-read of the stored tasks keeps what did not change', () => {
  const shown = [aTask({ id: 't1', seq: 10 }), aTask({ id: 't2', seq: 12 }), aTask({ id: 't3', seq: 14 })];
  // What IndexedDB hands back: equal copies, in its own (key) order.
  const copies = (tasks: ReturnType<typeof aTask>[]) => tasks.map((t) => structuredClone(t)).reverse();

  it('keeps the shown list itself when the read holds the same tasks at the same seqs', () => {
    expect(keepUnchanged(shown, copies(shown))).toBe(shown);
  });

  it('shows a task a push changed, keeping the unchanged ones as they were', () => {
    const pushed = { ...aTask({ id: 't2', seq: 20 }), title: 'Renamed by a push' };
    const read = keepUnchanged(shown, [...copies([shown[0]!, shown[2]!]), pushed]);
    expect(read).not.toBe(shown);
    expect(read.find((t) => t.id === 't2')).toBe(pushed);
    expect(read.find((t) => t.id === 't1')).toBe(shown[0]);
    expect(read.find((t) => t.id === 't3')).toBe(shown[2]);
  });

  it('shows a task that left and one that came', () => {
    const came = aTask({ id: 't4', seq: 30 });
    const read = keepUnchanged(shown, [...copies([shown[0]!, shown[1]!]), came]);
    expect(read.map((t) => t.id).sort()).toEqual(['t1', 't2', 't4']);
    expect(
      keepUnchanged(shown, copies([shown[0]!, shown[1]!]))
        .map((t) => t.id)
        .sort(),
    ).toEqual(['t1', 't2']);
  });

  it('takes the read as it is when nothing was shown before', () => {
    const read = copies(shown);
    expect(keepUnchanged(undefined, read)).toBe(read);
    expect(keepUnchanged([], read)).toBe(read);
  });
});
