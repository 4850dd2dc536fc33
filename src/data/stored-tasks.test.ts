import { describe, expect, it } from 'vitest';
import { aTask } from '../domain/testing/fixtures';
import { findUnreadable } from './stored-tasks';

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
