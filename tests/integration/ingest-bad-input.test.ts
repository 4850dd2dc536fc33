import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';
import { routed } from '../helpers/events';

/**
 * Bad input from an interface engine gets a 400 with a reason a person can act on; nothing partial is
 * stored and the relay keeps serving.
 */
describe('POST /api/events refuses bad input', () => {
  let relay: TestRelay;
  let token: string;

  beforeAll(async () => {
    relay = await startTestRelay();
    token = await devToken(relay.url, 'integration-engine');
  });
  afterAll(() => relay.stop());

  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'wrong specversion',
      () => ({ ...routed('t-bad-1', 1), specversion: '0.3' }),
      /specversion must be "1\.0"/,
    ],
    [
      'unknown type',
      () => ({ ...routed('t-bad-2', 1), type: 'wardline.task.exploded' }),
      /type "wardline\.task\.exploded" is not one Wardline accepts/,
    ],
    ['missing id', () => ({ ...routed('t-bad-3', 1), id: undefined }), /id is missing/],
    [
      'wrong type inside data',
      () => routed('t-bad-4', 1, { revision: 'one' }),
      /data\.revision: .*expected number/,
    ],
    ['unknown priority', () => routed('t-bad-5', 1, { priority: 'whenever' }), /data\.priority/],
    [
      'patient without MRN',
      () => routed('t-bad-6', 1, { patient: { ref: 'Patient/x', name: 'X' } }),
      /data\.patient\.mrn/,
    ],
    ['not an object', () => 42, /must be a JSON object/],
  ];

  it.each(cases)('%s → 400 with its reason, nothing stored', async (_name, make, reason) => {
    const before = await relay.relay.store.lastSeq();
    const res = await postEvents(relay.url, token, make());
    expect(res.status).toBe(400);
    expect(res.body.results).toHaveLength(1);
    expect(res.body.results[0]?.status).toBe('rejected');
    expect(res.body.results[0]?.reason).toMatch(reason);
    expect(await relay.relay.store.lastSeq()).toBe(before);
  });

  it('malformed JSON → 400 naming the problem', async () => {
    const res = await postEvents(relay.url, token, '{"specversion": "1.0", "id": ', true);
    expect(res.status).toBe(400);
    expect(res.body.results[0]?.reason).toMatch(/not valid JSON/);
  });

  it('a body over 256 KB → refused with the limit, nothing stored', async () => {
    const before = await relay.relay.store.lastSeq();
    const huge = routed('t-huge', 1, { detail: 'x'.repeat(300 * 1024) });
    const res = await postEvents(relay.url, token, huge);
    expect(res.status).toBe(413);
    expect(res.body.results[0]?.reason).toMatch(/limit of 262144 bytes|limit is 262144 bytes/);
    expect(await relay.relay.store.lastSeq()).toBe(before);
  });

  it('markup in text fields is stored as text, never interpreted', async () => {
    const title = '<img src=x onerror="alert(1)"> <script>alert(2)</script> Discharge';
    const res = await postEvents(
      relay.url,
      token,
      routed('t-markup', 1, { title, detail: '<b>bold</b> & "quoted"' }),
    );
    expect(res.status).toBe(202);
    const task = await relay.relay.store.getTask('t-markup');
    expect(task?.title).toBe(title);
    expect(task?.detail).toBe('<b>bold</b> & "quoted"');
  });

  it('a mixed batch → 207: the good event is stored, the bad one is answered with its reason', async () => {
    const good = routed('t-mixed-good', 1);
    const bad = routed('t-mixed-bad', 1, { unit: '' });
    const res = await postEvents(relay.url, token, [good, bad]);
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.status)).toEqual(['applied', 'rejected']);
    expect(res.body.results[1]?.reason).toMatch(/data\.unit/);
    expect(await relay.relay.store.getTask('t-mixed-good')).not.toBeNull();
    expect(await relay.relay.store.getTask('t-mixed-bad')).toBeNull();
  });

  it('an update for a task never routed is rejected, not stored, and can succeed later', async () => {
    const update = {
      specversion: '1.0',
      id: 'evt-update-early',
      source: 'urn:wardline:test',
      type: 'wardline.task.updated',
      data: { taskId: 't-late', revision: 2, checklist: [{ id: 'transport', done: true }] },
    };
    const early = await postEvents(relay.url, token, update);
    expect(early.status).toBe(400);
    expect(early.body.results[0]?.reason).toMatch(/not known here/);
    expect((await postEvents(relay.url, token, routed('t-late', 1))).status).toBe(202);
    // Not remembered as seen: the re-delivered update now applies.
    const again = await postEvents(relay.url, token, update);
    expect(again.body.results[0]?.status).toBe('applied');
    expect(
      (await relay.relay.store.getTask('t-late'))?.checklist.find((i) => i.id === 'transport')?.done,
    ).toBe(true);
  });

  it('without the Ingest role → 403; without a token → 401', async () => {
    const nurse = await devToken(relay.url, 'nurse-okafor');
    expect((await postEvents(relay.url, nurse, routed('t-nurse', 1))).status).toBe(403);
    const res = await fetch(`${relay.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('keeps serving after all of that', async () => {
    const health = await fetch(`${relay.url}/readyz`);
    expect(health.status).toBe(200);
    expect((await postEvents(relay.url, token, routed('t-after', 1))).status).toBe(202);
  });
});
