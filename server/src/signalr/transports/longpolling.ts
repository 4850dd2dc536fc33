import type { ServerResponse } from 'node:http';
import type { Connection } from '../connection';
import type { SignalRLimits } from '../limits';
import type { TransportSink } from './sink';

/** What ASP.NET sends on every poll answer: proxies and browsers must never cache a poll. */
const POLL_HEADERS = {
  'Content-Type': 'application/octet-stream',
  'Cache-Control': 'no-cache, no-store',
  Pragma: 'no-cache',
  Expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
} as const;

interface HeldPoll {
  res: ServerResponse;
  startedAt: number;
}

/**
 * Long polling: messages queue here until a poll takes them all (whole records, concatenated). A poll
 * with nothing to take is held up to longPollHoldMs, then answered 200 empty; 204 tells the client the
 * connection is finished. After a close the sink stays reachable by its token (answering the queued
 * Close message, then 204) until the client sends DELETE or stops polling, so the client reads the
 * Close message instead of a 404.
 */
export class LongPollingSink<P> implements TransportSink {
  readonly name = 'LongPolling';
  readonly transferFormats = ['Text', 'Binary'] as const;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private poll: HeldPoll | undefined;
  private lastPollEndedAt: number;
  private ended = false;
  private finished = false;
  private flushScheduled = false;

  constructor(
    private readonly connection: Connection<P>,
    private readonly limits: SignalRLimits,
    now: number,
  ) {
    this.lastPollEndedAt = now;
  }

  /** The first poll starts the connection and is answered at once (the client needs that 200). */
  static answerFirstPoll(res: ServerResponse): void {
    res.writeHead(200, { ...POLL_HEADERS, 'Content-Length': '0' });
    res.end();
  }

  bufferedBytes(): number {
    return this.queuedBytes;
  }

  write(data: Buffer): void {
    if (this.finished) return;
    this.queue.push(data);
    this.queuedBytes += data.length;
    if (this.poll && !this.flushScheduled) {
      // Sends made in the same tick (a completion and broadcasts) leave in one poll answer.
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (this.poll && this.queue.length > 0) this.deliver(this.poll.res);
      });
    }
  }

  discardQueued(): void {
    this.queue = [];
    this.queuedBytes = 0;
  }

  end(): void {
    this.ended = true;
    if (!this.poll) return;
    if (this.queue.length > 0) this.deliver(this.poll.res);
    else this.answerFinished(this.poll.res);
  }

  abort(): void {
    this.discardQueued();
    this.ended = true;
    if (this.poll) this.answerFinished(this.poll.res);
    this.finish();
  }

  /** A later poll: deliver what is queued, hold it, or 204 once the connection is over. */
  handlePoll(res: ServerResponse, now: number): void {
    // A newer poll replaces an older one, which is told to stop (ASP.NET answers it 204).
    if (this.poll) this.answerFinished(this.poll.res);
    if (this.queue.length > 0) {
      this.deliver(res);
      return;
    }
    if (this.ended || this.finished) {
      this.answerFinished(res);
      return;
    }
    const poll: HeldPoll = { res, startedAt: now };
    this.poll = poll;
    res.on('close', () => {
      // The client aborted the poll (stop, or its own timeout); the drop deadline starts now.
      if (this.poll === poll) {
        this.poll = undefined;
        this.lastPollEndedAt = performance.now();
      }
    });
  }

  /** DELETE: the client is done. Ends any held poll with 204 and forgets the connection. */
  handleDelete(): void {
    this.ended = true;
    this.discardQueued();
    if (this.poll) this.answerFinished(this.poll.res);
    this.finish();
  }

  tick(now: number): void {
    if (this.finished) return;
    if (this.poll) {
      if (now - this.poll.startedAt >= this.limits.longPollHoldMs) this.deliver(this.poll.res);
      return;
    }
    if (now - this.lastPollEndedAt > this.limits.longPollDropMs) {
      this.discardQueued();
      this.finish(this.ended ? undefined : new Error('The long-polling client stopped polling.'));
    }
  }

  /** Answers 200 with everything queued (possibly nothing: the hold expired). */
  private deliver(res: ServerResponse): void {
    if (this.poll?.res === res) this.poll = undefined;
    this.lastPollEndedAt = performance.now();
    // A poll the client already dropped must not swallow the queue.
    if (res.writableEnded || res.destroyed) return;
    const body =
      this.queue.length === 1 ? (this.queue[0] as Buffer) : Buffer.concat(this.queue, this.queuedBytes);
    this.discardQueued();
    res.writeHead(200, { ...POLL_HEADERS, 'Content-Length': String(body.length) });
    res.end(body);
  }

  private answerFinished(res: ServerResponse): void {
    if (this.poll?.res === res) this.poll = undefined;
    this.lastPollEndedAt = performance.now();
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(204, POLL_HEADERS);
    res.end();
  }

  private finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.connection.transportClosed(error);
  }
}
