import { describe, expect, it } from 'vitest';
import { HUB_EVENTS } from '../domain';
import type { SyncEngine } from '../data/sync-engine';
import { followUnits } from './workspace';

/** A hub that lets the test push events the way the relay would. */
function fakeEngine() {
  const handlers = new Map<string, (...args: unknown[]) => void>();
  const engine = {
    on: (event: string, handler: (...args: unknown[]) => void) => handlers.set(event, handler),
  } as unknown as SyncEngine;
  return { engine, push: (event: string, ...args: unknown[]) => handlers.get(event)?.(...args) };
}

describe('[H5] the page follows a move in the staff directory', () => {
  it('takes the units the relay sends and ignores a malformed list', () => {
    const { engine, push } = fakeEngine();
    const heard: string[][] = [];
    followUnits(engine, (units) => heard.push(units));

    push(HUB_EVENTS.unitsChanged, ['5E']);
    push(HUB_EVENTS.unitsChanged, 'ICU');
    push(HUB_EVENTS.unitsChanged, ['4W', '']);
    push(HUB_EVENTS.unitsChanged, [42]);
    push(HUB_EVENTS.unitsChanged, null);
    push(HUB_EVENTS.unitsChanged, ['4W', 'ICU']);
    push(HUB_EVENTS.unitsChanged, []);

    expect(heard).toEqual([['5E'], ['4W', 'ICU'], []]);
  });
});
