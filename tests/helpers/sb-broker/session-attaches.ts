/**
 * Session receivers attaching to the test broker: the `com.microsoft:session-filter` on the source names
 * a session, or is null for "the next available one". Granting locks the session and answers the attach
 * with the session id and its lock expiry; "next available" with nothing free waits, as on Service Bus.
 */
import {
  dotNetTicks,
  holdAttach,
  releaseAttach,
  remoteAttach,
  setAttachProperties,
  type Sender,
} from './amqp';
import type { Consumer, MessageEntity } from './entity';
import type { SessionLock } from './sessions';

/** The source filter a session receiver attaches with: a session id, or null for "next available". */
export const SESSION_FILTER = 'com.microsoft:session-filter';
/** How long a "next available session" attach waits when the client names no timeout (the SDK's). */
const DEFAULT_SESSION_WAIT_MS = 60_000;

export class SessionAttaches {
  /** "Next available session" attaches waiting for a session to come free, oldest first. */
  private readonly pending: Array<{ link: Sender; entity: MessageEntity; deadline: number }> = [];

  constructor(
    private readonly clock: () => number,
    /** Makes a granted link a consumer of the entity, as any receiver link. */
    private readonly addConsumer: (link: Sender, entity: MessageEntity, consumer: Consumer) => void,
    /** Whether the link's connection is still one the broker serves. */
    private readonly connected: (link: Sender) => boolean,
  ) {}

  /**
   * A session receiver attaches: lock the named session, or the next free one. With none free the
   * attach waits (up to the client's `com.microsoft:timeout`) and is answered by the sweep.
   */
  attach(link: Sender, entity: MessageEntity, requested: string | null, peekLock: boolean): void {
    if (!entity.requiresSession) {
      link.close({
        condition: 'amqp:not-allowed',
        description: `${entity.path} does not require sessions: a session receiver cannot be created on it.`,
      });
      return;
    }
    const lock = entity.acceptSession(requested, link);
    if (lock) return this.grantSession(link, entity, lock, peekLock);
    if (requested !== null) {
      // The attach names no session (as Service Bus answers), then the detach says why.
      link.set_source({ ...remoteAttach(link).source, filter: { [SESSION_FILTER]: null } } as never);
      link.close({
        condition: 'com.microsoft:session-cannot-be-locked',
        description: `The requested session '${requested}' cannot be locked: another receiver holds it.`,
      });
      return;
    }
    const asked = Number(remoteAttach(link).properties?.['com.microsoft:timeout']);
    const waitMs = Number.isFinite(asked) && asked > 0 ? asked * 0.9 : DEFAULT_SESSION_WAIT_MS;
    holdAttach(link);
    this.pending.push({ link, entity, deadline: this.clock() + waitMs });
  }

  private grantSession(link: Sender, entity: MessageEntity, lock: SessionLock, peekLock: boolean): void {
    const source = remoteAttach(link).source ?? {};
    link.set_source({ ...source, filter: { [SESSION_FILTER]: lock.sessionId } } as never);
    setAttachProperties(link, { 'com.microsoft:locked-until-utc': dotNetTicks(lock.until) });
    this.addConsumer(link, entity, { link, peekLock, sessionId: lock.sessionId });
  }

  /** The sweep's turn for waiting "next available" attaches: a session came free, or time is up. */
  sweep(): void {
    if (this.pending.length === 0) return;
    const now = this.clock();
    for (const pending of [...this.pending]) {
      const { link, entity, deadline } = pending;
      const gone = !link.is_remote_open() || !this.connected(link);
      let answered = gone;
      if (!gone && entity.hasFreeSession) {
        const lock = entity.acceptSession(null, link);
        if (lock) {
          releaseAttach(link);
          this.grantSession(link, entity, lock, remoteAttach(link).snd_settle_mode !== 1);
          answered = true;
        }
      }
      if (!answered && deadline <= now) {
        // What Service Bus answers when no session came free in time: attach, then detach with a timeout.
        releaseAttach(link);
        link.close({
          condition: 'com.microsoft:timeout',
          description: 'No unlocked session with messages became available in time.',
        });
        answered = true;
      }
      if (answered) this.pending.splice(this.pending.indexOf(pending), 1);
    }
  }

  /** The session lock ran out: the receiver's link is detached, as Service Bus does. */
  onSessionLost(lock: SessionLock): void {
    if (!lock.link.is_open()) return;
    lock.link.close({
      condition: 'com.microsoft:session-lock-lost',
      description: `The session lock for '${lock.sessionId}' has expired.`,
    });
  }
}
