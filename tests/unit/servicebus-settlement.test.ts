/**
 * The settlement sequencer against a model of rhea's disposition writer: requests made in one tick are
 * written on `process.nextTick` as one frame, and a frame carries its first outcome for every delivery.
 */
import { describe, expect, it } from 'vitest';
import { SettlementSequencer } from '../../server/src/ingest/servicebus-settlement';

type Outcome = 'accepted' | 'dead-letter' | 'abandon';

/** What reaches the broker: each frame's outcome applied to each delivery in it. */
class RheaLikeSession {
  readonly frames: Array<Array<{ id: number; requested: Outcome }>> = [];
  private pending: Array<{ id: number; requested: Outcome }> = [];

  settle(id: number, requested: Outcome): Promise<void> {
    if (this.pending.length === 0) {
      process.nextTick(() => {
        this.frames.push(this.pending);
        this.pending = [];
      });
    }
    this.pending.push({ id, requested });
    return new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** The outcome the broker applies to each delivery (the first of its frame). */
  applied(): Map<number, Outcome> {
    const result = new Map<number, Outcome>();
    for (const frame of this.frames) for (const d of frame) result.set(d.id, frame[0]!.requested);
    return result;
  }
}

/** Delivery i's requested outcome: a poison message or a store failure now and then. */
const requested = (i: number): Outcome =>
  i % 5 === 2 ? 'dead-letter' : i % 7 === 3 ? 'abandon' : 'accepted';

describe('SettlementSequencer', () => {
  it('without it, the model shows the bug: a completed delivery takes its neighbour dead-letter', async () => {
    const session = new RheaLikeSession();
    await Promise.all(Array.from({ length: 20 }, (_, i) => session.settle(i, requested(i))));
    const wrong = [...session.applied()].filter(([id, outcome]) => outcome !== requested(id));
    expect(wrong.length).toBeGreaterThan(0);
  });

  it('[SB6] gets every delivery its own outcome, however the requests interleave', async () => {
    const session = new RheaLikeSession();
    const sequencer = new SettlementSequencer();
    const settle = (i: number) =>
      requested(i) === 'accepted'
        ? sequencer.complete(() => session.settle(i, 'accepted'))
        : sequencer.alone(() => session.settle(i, requested(i)));
    // Three bursts, as messages arrive in batches from the socket.
    const work: Array<Promise<void>> = [];
    for (let burst = 0; burst < 3; burst++) {
      for (let i = burst * 20; i < burst * 20 + 20; i++) work.push(settle(i));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(work);

    const applied = session.applied();
    expect(applied.size).toBe(60);
    for (const [id, outcome] of applied) expect(outcome, `delivery ${id}`).toBe(requested(id));
    for (const frame of session.frames) {
      if (frame.some((d) => d.requested !== 'accepted')) expect(frame).toHaveLength(1);
    }
  });

  it('lets completions share a frame when nothing else is waiting', async () => {
    const session = new RheaLikeSession();
    const sequencer = new SettlementSequencer();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => sequencer.complete(() => session.settle(i, 'accepted'))),
    );
    expect(session.frames).toHaveLength(1);
  });

  it('reports a failed lone settlement to its caller and keeps going', async () => {
    const session = new RheaLikeSession();
    const sequencer = new SettlementSequencer();
    const failed = sequencer.alone(() => Promise.reject(new Error('lock lost')));
    const next = sequencer.alone(() => session.settle(1, 'dead-letter'));
    const after = sequencer.complete(() => session.settle(2, 'accepted'));
    await expect(failed).rejects.toThrow('lock lost');
    await Promise.all([next, after]);
    expect(session.frames).toEqual([
      [{ id: 1, requested: 'dead-letter' }],
      [{ id: 2, requested: 'accepted' }],
    ]);
  });
});
