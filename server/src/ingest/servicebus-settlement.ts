/**
 * Keeps a dead-letter or an abandon from being written in the same AMQP frame as another settlement.
 *
 * rhea 3.0.5, the AMQP library under @azure/service-bus, writes the dispositions requested in one tick
 * as ranges of consecutive deliveries (`write_dispositions` in its session.js). It starts a range with
 * the first delivery and adds the second without comparing outcomes, and the frame carries the first
 * one's outcome for the whole range. So "dead-letter message 800, complete 801" in one tick reaches
 * Service Bus as "dead-letter 800–801", and "complete 801, abandon 802" as "complete 801–802": a good
 * event dead-lettered, or an event the store never took completed and lost. (Found by
 * tests/integration/servicebus-crash.test.ts; servicebus-poison.test.ts reproduces it in a second.)
 *
 * Completions may share a frame (all `accepted`, which rhea does compare). Any other settlement is
 * written alone: the frames already requested are flushed first, then this one is requested and
 * flushed, and only then may other settlements go. rhea flushes on `process.nextTick`, and Node runs
 * every queued tick and microtask before the next `setImmediate`, so one macrotask turn is enough.
 * The SDK requests the disposition synchronously inside `completeMessage` & co (no I/O before it).
 */
export class SettlementSequencer {
  /** Settlements that must be alone, in order, plus the one being written. */
  private exclusiveQueued = 0;
  private exclusiveChain: Promise<void> = Promise.resolve();
  private waitingCompletes: Array<() => void> = [];

  /** A completion: goes at once, unless a lone settlement is queued or being written. */
  async complete<T>(settle: () => Promise<T>): Promise<T> {
    if (this.exclusiveQueued > 0) await new Promise<void>((resolve) => this.waitingCompletes.push(resolve));
    return settle();
  }

  /** A dead-letter, abandon or defer: written in a frame of its own. Resolves when the broker answered. */
  alone<T>(settle: () => Promise<T>): Promise<T> {
    this.exclusiveQueued++;
    let answer!: Promise<T>;
    const written = this.exclusiveChain.then(async () => {
      await nextMacrotask(); // whatever was requested before is on the wire
      answer = settle();
      answer.catch(() => undefined); // the caller hears about failures; this chain must not
      await nextMacrotask(); // this disposition went out on its own
    });
    this.exclusiveChain = written.finally(() => {
      this.exclusiveQueued--;
      if (this.exclusiveQueued === 0) for (const release of this.waitingCompletes.splice(0)) release();
    });
    return written.then(() => answer);
  }
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
