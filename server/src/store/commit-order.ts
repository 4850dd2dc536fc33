import type { CommitListener, CommittedChange } from './contract';

/**
 * Hands committed changes to listeners in `seq` order (docs/STORE.md ST6). On SQLite they commit one at
 * a time and arrive in order; on PostgreSQL two commits on different connections can report back in
 * either order, so a change waits here until every smaller seq this relay wrote has been handed on.
 * A transaction that failed after taking a seq normally gives the number back (rolled back, the next
 * writer takes it again); if its commit in fact landed, the gap is skipped once the next one arrives.
 */
export class CommitOrder {
  private readonly listeners = new Set<CommitListener>();
  private readonly waiting = new Map<number, CommittedChange>();
  private readonly failedSeqs = new Set<number>();
  private next: number;

  constructor(lastSeq: number) {
    this.next = lastSeq + 1;
  }

  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  committed(change: CommittedChange): void {
    if (change.seq < this.next) return this.emit(change); // not ours to order (never expected)
    this.waiting.set(change.seq, change);
    for (;;) {
      const ready = this.waiting.get(this.next);
      if (ready) {
        this.waiting.delete(this.next);
        this.failedSeqs.delete(this.next);
        this.next++;
        this.emit(ready);
      } else if (this.failedSeqs.has(this.next) && this.waiting.size > 0) {
        this.failedSeqs.delete(this.next);
        this.next++;
      } else return;
    }
  }

  failed(seq: number): void {
    if (seq >= this.next) this.failedSeqs.add(seq);
  }

  private emit(change: CommittedChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A failing listener (a hub fan-out bug) must not undo or block a committed change.
      }
    }
  }
}
