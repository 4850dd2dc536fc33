/**
 * One message store with Service Bus semantics: a queue, a topic subscription, or the dead-letter
 * sub-queue of either. Peek-lock delivery in sequence order, lock tokens with expiry and renewal,
 * settlement outcomes, delivery counting and dead-lettering past the max delivery count.
 */
import {
  answerDrain,
  encodeMessage,
  forgetDeliveriesOf,
  isDraining,
  lockTokenTag,
  newLockToken,
  rhea,
  sendBudget,
  sendOn,
  unsentOn,
  type AmqpMessage,
  type Delivery,
  type Sender,
} from './amqp';
import { SessionLocks, type SessionLock } from './sessions';

/** Service Bus defaults: a one-minute lock, ten deliveries before the dead-letter queue. */
export const DEFAULT_LOCK_DURATION_MS = 60_000;
export const DEFAULT_MAX_DELIVERY_COUNT = 10;

export interface EntityOptions {
  lockDurationMs?: number;
  maxDeliveryCount?: number;
  /** Session-enabled: every message needs a sessionId, and receivers lock one session at a time. */
  requiresSession?: boolean;
}

export type Settlement =
  | { kind: 'complete' }
  | { kind: 'abandon'; properties?: Record<string, unknown> }
  | { kind: 'defer'; properties?: Record<string, unknown> }
  | { kind: 'dead-letter'; reason?: string; description?: string; properties?: Record<string, unknown> };

export interface EntityStats {
  enqueued: number;
  delivered: number;
  completed: number;
  abandoned: number;
  deadLettered: number;
  locksExpired: number;
}

interface Lock {
  token: string;
  until: number;
}

interface Stored {
  sequenceNumber: number;
  enqueuedAt: number;
  message: AmqpMessage;
  /** Failed deliveries so far: the AMQP header's `delivery-count` of the next delivery. */
  deliveryCount: number;
  deferred: boolean;
  lock: Lock | null;
  deadLetterSource?: string;
}

/** A receiving link on this entity, as the broker's sender. */
export interface Consumer {
  link: Sender;
  peekLock: boolean;
  /** The session this link holds, on a session-enabled entity. */
  sessionId?: string;
}

export interface PeekedMessage {
  sequenceNumber: number;
  message: AmqpMessage;
  deliveryCount: number;
  locked: boolean;
}

/** Called for each delivery sent on a link, so the broker can find the lock when the client settles. */
export type DeliveryListener = (delivery: Delivery, entity: MessageEntity, lockToken: string) => void;

export class MessageEntity {
  readonly stats: EntityStats = {
    enqueued: 0,
    delivered: 0,
    completed: 0,
    abandoned: 0,
    deadLettered: 0,
    locksExpired: 0,
  };
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  private readonly messages = new Map<number, Stored>();
  /**
   * Sequence numbers of active, unlocked, undeferred messages, ascending (the next delivery first), per
   * session on a session-enabled entity, under `null` otherwise.
   */
  private readonly available = new Map<string | null, number[]>();
  readonly requiresSession: boolean;
  readonly sessions: SessionLocks;
  private readonly locks = new Map<string, Stored>();
  private readonly consumers = new Set<Consumer>();
  private nextSequenceNumber = 1;

  constructor(
    readonly path: string,
    options: EntityOptions,
    private readonly clock: () => number,
    /** The dead-letter sub-queue; null for a dead-letter queue itself. */
    readonly deadLetter: MessageEntity | null,
    private readonly onDelivery: DeliveryListener,
  ) {
    this.lockDurationMs = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
    this.maxDeliveryCount = options.maxDeliveryCount ?? DEFAULT_MAX_DELIVERY_COUNT;
    this.requiresSession = options.requiresSession === true;
    this.sessions = new SessionLocks(this.lockDurationMs, clock);
  }

  // --- what tests read ---------------------------------------------------------------------------

  /** Messages waiting or locked (not deferred): what the portal calls the active message count. */
  get activeCount(): number {
    let n = 0;
    for (const stored of this.messages.values()) if (!stored.deferred) n++;
    return n;
  }

  get lockedCount(): number {
    return this.locks.size;
  }

  get totalCount(): number {
    return this.messages.size;
  }

  /** Every stored message in sequence order, without removing or locking anything. */
  list(): PeekedMessage[] {
    return [...this.messages.values()].map((s) => ({
      sequenceNumber: s.sequenceNumber,
      message: s.message,
      deliveryCount: s.deliveryCount,
      locked: s.lock !== null,
    }));
  }

  // --- in --------------------------------------------------------------------------------------------

  enqueue(message: AmqpMessage, deadLetterSource?: string): void {
    const stored: Stored = {
      sequenceNumber: this.nextSequenceNumber++,
      enqueuedAt: this.clock(),
      message,
      deliveryCount: 0,
      deferred: false,
      lock: null,
      ...(deadLetterSource ? { deadLetterSource } : {}),
    };
    this.messages.set(stored.sequenceNumber, stored);
    this.queueOf(this.sessionOf(stored)).push(stored.sequenceNumber);
    this.stats.enqueued++;
    this.schedulePump();
  }

  // --- out -------------------------------------------------------------------------------------------

  addConsumer(consumer: Consumer): void {
    this.consumers.add(consumer);
    this.schedulePump();
  }

  /** The link is gone. Its locks stay until they expire, as on Service Bus: settle them via $management. */
  removeConsumer(link: Sender): void {
    for (const consumer of this.consumers) if (consumer.link === link) this.consumers.delete(consumer);
    forgetDeliveriesOf(link);
    const session = this.sessions.heldBy(link);
    if (session) this.loseSession(session);
  }

  // --- sessions --------------------------------------------------------------------------------------

  /**
   * Locks a session for a receiver link: the named one (even if it has no messages yet), or with
   * `null` the free session whose oldest message is oldest. Null when none can be locked.
   */
  acceptSession(requested: string | null, link: Sender): SessionLock | null {
    if (requested !== null) return this.sessions.take(requested, link);
    let best: { sessionId: string; head: number } | null = null;
    for (const [sessionId, queue] of this.available) {
      if (sessionId === null || queue.length === 0 || this.sessions.holderOf(sessionId)) continue;
      if (!best || queue[0]! < best.head) best = { sessionId, head: queue[0]! };
    }
    return best ? this.sessions.take(best.sessionId, link) : null;
  }

  /** Renews a session lock and the locks of the messages it has in hand; null when it was lost. */
  renewSession(sessionId: string): number | null {
    const until = this.sessions.renew(sessionId);
    if (until === null) return null;
    for (const stored of this.locks.values()) {
      if (stored.lock && this.sessionOf(stored) === sessionId) stored.lock.until = until;
    }
    return until;
  }

  /** Session locks that ran out: their messages return (counted), and the broker detaches the link. */
  expireSessions(onLost: (lock: SessionLock) => void): void {
    for (const lock of this.sessions.expired()) {
      this.loseSession(lock);
      onLost(lock);
    }
  }

  private loseSession(lock: SessionLock): void {
    this.sessions.release(lock);
    for (const stored of [...this.locks.values()]) {
      if (this.sessionOf(stored) === lock.sessionId) this.expire(stored);
    }
    this.schedulePump();
  }

  private sessionOf(stored: Stored): string | null {
    return this.requiresSession ? String(stored.message.group_id ?? '') : null;
  }

  private queueOf(sessionId: string | null): number[] {
    let queue = this.available.get(sessionId);
    if (!queue) {
      queue = [];
      this.available.set(sessionId, queue);
    }
    return queue;
  }

  /** Free sessions with messages waiting: what a pending "next available session" attach could take. */
  get hasFreeSession(): boolean {
    for (const [sessionId, queue] of this.available) {
      if (sessionId !== null && queue.length > 0 && !this.sessions.holderOf(sessionId)) return true;
    }
    return false;
  }

  private pumpScheduled = false;

  /**
   * Runs after rhea has written pending transfers (it does so on `process.nextTick`; `setImmediate` comes
   * later), so `credit` is current and a pass never sends more than the client asked for.
   */
  schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Messages wait for a consumer with room: worth a look when the sweep runs. */
  get waiting(): boolean {
    for (const consumer of this.consumers) if (this.queueFor(consumer).length > 0) return true;
    return false;
  }

  private pump(): void {
    // Round robin, one message per consumer per turn, each within its live send budget (credit, the
    // AMQP session window, rhea's session buffer: see sendBudget).
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const consumer of this.consumers) {
        if (!consumer.link.is_open() || sendBudget(consumer.link) <= 0) continue;
        const sequenceNumber = this.queueFor(consumer).shift();
        if (sequenceNumber === undefined) continue;
        const stored = this.messages.get(sequenceNumber);
        if (!stored) continue;
        this.transfer(consumer, stored);
        progressed = true;
      }
    }
    // A draining client (receiveMessages) waits for this: "nothing more for you now".
    for (const consumer of this.consumers) {
      if (this.queueFor(consumer).length > 0) continue;
      // Not while rhea still holds transfers for it: the drain would take their credit away.
      const link = consumer.link;
      if (link.is_open() && isDraining(link) && unsentOn(link) === 0) answerDrain(link);
    }
  }

  private queueFor(consumer: Consumer): number[] {
    return this.queueOf(this.requiresSession ? (consumer.sessionId ?? '') : null);
  }

  private transfer(consumer: Consumer, stored: Stored): void {
    const annotations: Record<string, unknown> = {
      ...stored.message.message_annotations,
      'x-opt-sequence-number': rhea.types.wrap_long(stored.sequenceNumber),
      'x-opt-enqueued-time': rhea.types.wrap_timestamp(stored.enqueuedAt),
    };
    if (stored.deadLetterSource) annotations['x-opt-deadletter-source'] = stored.deadLetterSource;
    this.stats.delivered++;
    if (!consumer.peekLock) {
      // receiveAndDelete: the message is gone once it is on the wire.
      this.messages.delete(stored.sequenceNumber);
      sendOn(
        consumer.link,
        { ...stored.message, delivery_count: stored.deliveryCount, message_annotations: annotations },
        lockTokenTag(newLockToken()),
      );
      return;
    }
    const lock = this.lock(stored);
    annotations['x-opt-locked-until'] = rhea.types.wrap_timestamp(lock.until);
    const delivery = sendOn(
      consumer.link,
      { ...stored.message, delivery_count: stored.deliveryCount, message_annotations: annotations },
      lockTokenTag(lock.token),
    );
    this.onDelivery(delivery, this, lock.token);
  }

  private lock(stored: Stored): Lock {
    // In a session, a message stays locked as long as its session is (renewing the session renews it).
    const sessionId = this.sessionOf(stored);
    const session = sessionId === null ? null : this.sessions.holderOf(sessionId);
    const until = session ? session.until : this.clock() + this.lockDurationMs;
    const lock = { token: newLockToken(), until };
    stored.lock = lock;
    this.locks.set(lock.token, stored);
    return lock;
  }

  // --- settlement ------------------------------------------------------------------------------------

  /** Applies a client's outcome to the message holding this lock; `false` when the lock is lost. */
  settle(lockToken: string, settlement: Settlement): boolean {
    const stored = this.locks.get(lockToken);
    if (!stored || !stored.lock || stored.lock.until <= this.clock()) {
      if (stored) this.expire(stored);
      return false;
    }
    this.unlock(stored);
    switch (settlement.kind) {
      case 'complete':
        this.messages.delete(stored.sequenceNumber);
        this.stats.completed++;
        break;
      case 'abandon':
        this.modify(stored, settlement.properties);
        this.stats.abandoned++;
        this.failedDelivery(stored);
        break;
      case 'defer':
        this.modify(stored, settlement.properties);
        stored.deferred = true;
        break;
      case 'dead-letter':
        this.moveToDeadLetter(stored, settlement.reason, settlement.description, settlement.properties);
        break;
    }
    this.schedulePump();
    return true;
  }

  /**
   * The client gave the message back without trying it (AMQP `released`, e.g. a receiver closing with
   * prefetched messages): available again, and the attempt does not count.
   */
  release(lockToken: string): boolean {
    const stored = this.locks.get(lockToken);
    if (!stored) return false;
    this.unlock(stored);
    this.makeAvailable(stored);
    this.schedulePump();
    return true;
  }

  /** The new expiry, or null when the lock is unknown or already expired. */
  renew(lockToken: string): number | null {
    const stored = this.locks.get(lockToken);
    if (!stored?.lock || stored.lock.until <= this.clock()) {
      if (stored) this.expire(stored);
      return null;
    }
    stored.lock.until = this.clock() + this.lockDurationMs;
    return stored.lock.until;
  }

  /** Locks whose time is up release their message for redelivery (or the dead-letter queue). */
  expireLocks(): void {
    const now = this.clock();
    for (const stored of [...this.locks.values()]) {
      if (stored.lock && stored.lock.until <= now) this.expire(stored);
    }
  }

  private expire(stored: Stored): void {
    if (!stored.lock) return;
    this.unlock(stored);
    this.stats.locksExpired++;
    this.failedDelivery(stored);
    this.schedulePump();
  }

  private unlock(stored: Stored): void {
    if (stored.lock) this.locks.delete(stored.lock.token);
    stored.lock = null;
  }

  private failedDelivery(stored: Stored): void {
    stored.deliveryCount++;
    if (stored.deliveryCount >= this.maxDeliveryCount) {
      this.moveToDeadLetter(
        stored,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${this.maxDeliveryCount} delivery attempts.`,
      );
      return;
    }
    this.makeAvailable(stored);
  }

  private makeAvailable(stored: Stored): void {
    // An abandoned message goes back to where it was, ahead of everything enqueued after it.
    const { sequenceNumber } = stored;
    const queue = this.queueOf(this.sessionOf(stored));
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid]! < sequenceNumber) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, sequenceNumber);
  }

  private modify(stored: Stored, properties: Record<string, unknown> | undefined): void {
    if (!properties || Object.keys(properties).length === 0) return;
    stored.message = {
      ...stored.message,
      application_properties: { ...stored.message.application_properties, ...properties },
    };
  }

  private moveToDeadLetter(
    stored: Stored,
    reason: string | undefined,
    description: string | undefined,
    properties?: Record<string, unknown>,
  ): void {
    this.messages.delete(stored.sequenceNumber);
    this.stats.deadLettered++;
    if (!this.deadLetter) return; // dead-lettering from a dead-letter queue drops nothing real; ignore
    const applicationProperties: Record<string, unknown> = {
      ...stored.message.application_properties,
      ...properties,
    };
    if (reason !== undefined) applicationProperties.DeadLetterReason = reason;
    if (description !== undefined) applicationProperties.DeadLetterErrorDescription = description;
    this.deadLetter.enqueue({ ...stored.message, application_properties: applicationProperties }, this.path);
  }

  // --- $management reads -----------------------------------------------------------------------------

  /** Active and deferred messages from a sequence number on, locked or not, as `peekMessages` sees them. */
  peek(fromSequenceNumber: number, count: number): Buffer[] {
    const out: Buffer[] = [];
    for (const stored of this.messages.values()) {
      if (stored.sequenceNumber < fromSequenceNumber) continue;
      out.push(encodeMessage(this.annotated(stored)));
      if (out.length >= count) break;
    }
    return out;
  }

  /** Locks deferred messages by sequence number (`receiveDeferredMessages`); unknown numbers are skipped. */
  receiveDeferred(sequenceNumbers: number[]): Array<{ lockToken: string; message: Buffer }> {
    const out: Array<{ lockToken: string; message: Buffer }> = [];
    for (const n of sequenceNumbers) {
      const stored = this.messages.get(n);
      if (!stored?.deferred || stored.lock) continue;
      const lock = this.lock(stored);
      out.push({ lockToken: lock.token, message: encodeMessage(this.annotated(stored, lock.until)) });
    }
    return out;
  }

  private annotated(stored: Stored, lockedUntil?: number): AmqpMessage {
    const annotations: Record<string, unknown> = {
      ...stored.message.message_annotations,
      'x-opt-sequence-number': rhea.types.wrap_long(stored.sequenceNumber),
      'x-opt-enqueued-time': rhea.types.wrap_timestamp(stored.enqueuedAt),
    };
    if (stored.deferred) annotations['x-opt-message-state'] = 1;
    if (stored.deadLetterSource) annotations['x-opt-deadletter-source'] = stored.deadLetterSource;
    if (lockedUntil !== undefined) annotations['x-opt-locked-until'] = rhea.types.wrap_timestamp(lockedUntil);
    return { ...stored.message, delivery_count: stored.deliveryCount, message_annotations: annotations };
  }
}

export type { Delivery };
