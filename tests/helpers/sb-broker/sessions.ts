/**
 * Message sessions of a session-enabled entity: which receiver link holds which session, and until when.
 * Service Bus gives one session to one receiver at a time; the receiver keeps it by renewing the session
 * lock, and loses it (with every message it had not settled) when the lock expires or the link goes.
 */
import type { Sender } from './amqp';

export interface SessionLock {
  sessionId: string;
  link: Sender;
  until: number;
}

export class SessionLocks {
  private readonly byId = new Map<string, SessionLock>();
  private readonly byLink = new Map<Sender, SessionLock>();

  constructor(
    private readonly lockDurationMs: number,
    private readonly clock: () => number,
  ) {}

  holderOf(sessionId: string): SessionLock | null {
    const lock = this.byId.get(sessionId);
    return lock && lock.until > this.clock() ? lock : null;
  }

  heldBy(link: Sender): SessionLock | null {
    return this.byLink.get(link) ?? null;
  }

  /** Locks the session for this link; null when another link holds it. */
  take(sessionId: string, link: Sender): SessionLock | null {
    if (this.holderOf(sessionId)) return null;
    const lock = { sessionId, link, until: this.clock() + this.lockDurationMs };
    this.byId.set(sessionId, lock);
    this.byLink.set(link, lock);
    return lock;
  }

  /** The new expiry, or null when the session is not locked (or its lock already ran out). */
  renew(sessionId: string): number | null {
    const lock = this.holderOf(sessionId);
    if (!lock) return null;
    lock.until = this.clock() + this.lockDurationMs;
    return lock.until;
  }

  release(lock: SessionLock): void {
    if (this.byId.get(lock.sessionId) === lock) this.byId.delete(lock.sessionId);
    if (this.byLink.get(lock.link) === lock) this.byLink.delete(lock.link);
  }

  /** Locks whose time is up, for the entity to take back. */
  expired(): SessionLock[] {
    const now = this.clock();
    return [...this.byLink.values()].filter((lock) => lock.until <= now);
  }
}
