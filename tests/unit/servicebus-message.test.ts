import { describe, expect, it } from 'vitest';
import {
  decodeBody,
  judgeInboundMessage,
  MAX_DESCRIPTION_LENGTH,
  routingWaitMs,
  STORE_RETRY_MAX_DELAY_MS,
  storeRetryDelayMs,
  taskNotRoutedDescription,
} from '../../server/src/ingest/servicebus-message';
import type { IngestResult } from '../../server/src/store/worklist-store';
import { routed } from '../helpers/events';

const event = routed('t-1', 1, {}, 'evt-1');
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const answer = (result: IngestResult) => (): IngestResult => result;

describe('judgeInboundMessage: what becomes of one Service Bus message', () => {
  it.each(['applied', 'duplicate', 'stale'] as const)(
    '[SB1] completes an event the store answered %s',
    async (status) => {
      expect(
        await judgeInboundMessage(
          { messageId: 'evt-1', body: bytes(event) },
          answer({ id: 'evt-1', status }),
        ),
      ).toEqual({
        action: 'complete',
        eventId: 'evt-1',
        status,
      });
    },
  );

  it('hands ingest the parsed JSON whatever form the body arrived in (bytes, text, already parsed, with a BOM)', async () => {
    const seen: unknown[] = [];
    const ingest = (e: unknown): IngestResult => (seen.push(e), { id: 'evt-1', status: 'applied' });
    for (const body of [bytes(event), JSON.stringify(event), event, `\uFEFF${JSON.stringify(event)}`]) {
      expect((await judgeInboundMessage({ messageId: 'evt-1', body }, ingest)).action).toBe('complete');
    }
    expect(seen).toEqual([event, event, event, event]);
  });

  it('[SB2] dead-letters a rejected event with the reason HTTP ingest would answer', async () => {
    const verdict = await judgeInboundMessage(
      { messageId: 'evt-1', body: bytes(event) },
      answer({
        id: 'evt-1',
        status: 'rejected',
        reason: 'data.title: Too small: expected string to have >=1 characters.',
      }),
    );
    expect(verdict).toEqual({
      action: 'dead-letter',
      eventId: 'evt-1',
      reason: 'EventRejected',
      description: 'data.title: Too small: expected string to have >=1 characters.',
    });
  });

  it('dead-letters a body that is not JSON without quoting it, and never calls ingest', async () => {
    const verdict = await judgeInboundMessage(
      { messageId: 'm-1', body: Buffer.from('Testpatient Alpha MRN TEST-0001 {') },
      () => {
        throw new Error('ingest must not run');
      },
    );
    expect(verdict).toMatchObject({ action: 'dead-letter', reason: 'BodyNotJson', eventId: null });
    expect(JSON.stringify(verdict)).not.toMatch(/Testpatient|TEST-0001/);
  });

  it('dead-letters a message without a messageId, naming the id to resend with', async () => {
    expect(
      await judgeInboundMessage(
        { messageId: undefined, body: bytes(event) },
        answer({ id: 'x', status: 'applied' }),
      ),
    ).toEqual({
      action: 'dead-letter',
      eventId: 'evt-1',
      reason: 'MessageIdMissing',
      description:
        "The message has no messageId. Wardline de-duplicates by it: resend with messageId set to the event's id (evt-1).",
    });
  });

  it('[SB3] dead-letters a messageId that differs from the event id, before anything is applied', async () => {
    let applied = false;
    const verdict = await judgeInboundMessage({ messageId: 'other', body: bytes(event) }, () => {
      applied = true;
      return { id: 'evt-1', status: 'applied' };
    });
    expect(applied).toBe(false);
    expect(verdict).toEqual({
      action: 'dead-letter',
      eventId: 'evt-1',
      reason: 'MessageIdMismatch',
      description:
        'The messageId (other) differs from the CloudEvent id (evt-1). Both are the de-duplication key and must be equal: resend with messageId evt-1.',
    });
  });

  it('accepts a numeric messageId equal to the id, and leaves an id-less body to ingest to explain', async () => {
    const numbered = { ...event, id: '42' };
    expect(
      (
        await judgeInboundMessage(
          { messageId: 42, body: bytes(numbered) },
          answer({ id: '42', status: 'applied' }),
        )
      ).action,
    ).toBe('complete');
    const { id: _id, ...noId } = event;
    const verdict = await judgeInboundMessage(
      { messageId: 'm-9', body: bytes(noId) },
      answer({
        id: '',
        status: 'rejected',
        reason: 'id is missing: every event needs a unique id (it is the de-duplication key).',
      }),
    );
    expect(verdict).toMatchObject({ action: 'dead-letter', reason: 'EventRejected', eventId: null });
  });

  it('[SB4] retries (never dead-letters, never completes) when the store throws, keeping only the error text', async () => {
    const verdict = await judgeInboundMessage({ messageId: 'evt-1', body: bytes(event) }, () => {
      const error = new Error('attempt to write a readonly database');
      error.name = 'SqliteError';
      throw error;
    });
    expect(verdict).toEqual({
      action: 'retry',
      eventId: 'evt-1',
      failure: 'SqliteError: attempt to write a readonly database',
    });
  });

  it('keeps descriptions to a paragraph', async () => {
    const verdict = await judgeInboundMessage(
      { messageId: 'evt-1', body: bytes(event) },
      answer({ id: 'evt-1', status: 'rejected', reason: 'x'.repeat(5_000) }),
    );
    expect(verdict.action === 'dead-letter' && verdict.description.length).toBe(MAX_DESCRIPTION_LENGTH);
  });
});

describe('decodeBody', () => {
  it.each([null, undefined])('refuses an empty body (%s)', async (body) => {
    expect(decodeBody(body)).toEqual({
      ok: false,
      reason: 'The message has no body: send one CloudEvent as a JSON object.',
    });
  });
});

describe('storeRetryDelayMs: how long a message the store refused is kept before it goes back', () => {
  it('doubles per delivery from the configured start and stops at the cap', async () => {
    expect([0, 1, 2, 3].map((n) => storeRetryDelayMs(n, 1_000))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(storeRetryDelayMs(9, 1_000)).toBe(STORE_RETRY_MAX_DELAY_MS);
    expect(storeRetryDelayMs(1_000, 1_000)).toBe(STORE_RETRY_MAX_DELAY_MS);
  });
});

describe('[SB10] an update or cancellation for a task not routed yet', () => {
  const update = {
    specversion: '1.0',
    id: 'upd-1',
    source: 'urn:wardline:test',
    type: 'wardline.task.updated',
    data: { taskId: 'later', revision: 2, checklist: [] },
  };
  const rejected = answer({
    id: 'upd-1',
    status: 'rejected',
    reason: 'task later is not known here, so it cannot be updated',
  });

  it('waits for the routing event when the store does not know the task', async () => {
    const verdict = await judgeInboundMessage(
      { messageId: 'upd-1', body: bytes(update) },
      rejected,
      async (id) => id !== 'later',
    );
    expect(verdict).toEqual({
      action: 'await-routing',
      eventId: 'upd-1',
      taskId: 'later',
      reason: 'task later is not known here, so it cannot be updated',
    });
  });

  it('dead-letters as before when the task is known (the update is wrong, not early)', async () => {
    const verdict = await judgeInboundMessage(
      { messageId: 'upd-1', body: bytes(update) },
      answer({ id: 'upd-1', status: 'rejected', reason: 'checklist item x is not on task later' }),
      async () => true,
    );
    expect(verdict).toMatchObject({ action: 'dead-letter', reason: 'EventRejected' });
  });

  it('retries when the store cannot say whether it knows the task', async () => {
    const verdict = await judgeInboundMessage({ messageId: 'upd-1', body: bytes(update) }, rejected, () =>
      Promise.reject(new Error('database is locked')),
    );
    expect(verdict).toMatchObject({ action: 'retry', failure: 'Error: database is locked' });
  });

  it('never waits for a rejected routing event: its task is what it would create', async () => {
    const verdict = await judgeInboundMessage(
      { messageId: 'evt-1', body: bytes(event) },
      answer({ id: 'evt-1', status: 'rejected', reason: 'data.title: Too small' }),
      async () => false,
    );
    expect(verdict).toMatchObject({ action: 'dead-letter', reason: 'EventRejected' });
  });

  it('describes a dead-letter with the wait it had and what to do', () => {
    expect(routingWaitMs(1, 500)).toBe(0);
    expect(routingWaitMs(6, 500)).toBe(500 + 1_000 + 2_000 + 4_000 + 8_000);
    expect(taskNotRoutedDescription('task later is not known here, so it cannot be updated', 6, 15_500)).toBe(
      "task later is not known here, so it cannot be updated: its wardline.task.routed event had not arrived after 6 attempts over about 16 s. Send the task's routing event, then resubmit this message.",
    );
  });
});
