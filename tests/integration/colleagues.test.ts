import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColleaguesResponse, mayReceive } from '../../src/domain';
import { routed } from '../helpers/events';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/** `GET /api/colleagues?unit=…` (docs/HANDOFFS.md HO10): the pickers' read, least privilege. */
describe('GET /api/colleagues', () => {
  let relay: TestRelay;
  let okafor: WorklistClient;

  beforeAll(async () => {
    relay = await startTestRelay();
    const ingest = await devToken(relay.url, 'integration-engine');
    await postEvents(relay.url, ingest, [
      routed('load-1', 1, { candidateRoles: ['Nurse'] }),
      routed('load-2', 1, { candidateRoles: ['Nurse'] }),
      routed('load-5e', 1, { unit: '5E', candidateRoles: ['Nurse'] }),
    ]);
    // Okafor holds two, and has a live connection; nobody else has been seen.
    okafor = await connectAs(relay.url, 'nurse-okafor');
    await okafor.execute('load-1', 'claim');
    await okafor.execute('load-2', 'claim');
  });

  afterAll(async () => {
    await okafor?.stop();
    await relay?.stop();
  });

  async function ask(staffId: string, query: string): Promise<{ status: number; body: unknown }> {
    const token = await devToken(relay.url, staffId);
    const res = await fetch(`${relay.url}/api/colleagues${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: await res.json() };
  }

  it('[HO10] lists the people on the unit with presence and load, and nothing about patients', async () => {
    const { status, body } = await ask('charge-4w-marchbank', '?unit=4W');
    expect(status).toBe(200);
    const parsed = ColleaguesResponse.parse(body);
    expect(parsed.unit).toBe('4W');
    const byId = new Map(parsed.colleagues.map((c) => [c.id, c]));
    // Everyone on 4W with a clinical role; the 5E nurse, the admin and the integration account never.
    expect([...byId.keys()].sort()).toEqual(
      [
        'charge-4w-marchbank',
        'coordinator-sorrel',
        'nurse-brightwater',
        'nurse-okafor',
        'supervisor-achterberg',
      ].sort(),
    );
    expect(byId.get('nurse-okafor')).toEqual({
      id: 'nurse-okafor',
      name: 'R. Okafor',
      roles: ['Nurse'],
      units: ['4W'],
      onShift: true,
      openCount: 2,
    });
    // Brightwater has not signed in: not on shift. The caller herself was just seen.
    expect(byId.get('nurse-brightwater')).toMatchObject({ onShift: false, openCount: 0 });
    expect(byId.get('charge-4w-marchbank')).toMatchObject({ onShift: true });
    const text = JSON.stringify(body);
    for (const patientWord of ['Testpatient', 'TEST-0001', '4W-01', 'load-1'])
      expect(text).not.toContain(patientWord);
  });

  it('[HO2][HO10] the picker’s rule offers exactly the eligible colleagues for a task', async () => {
    const { body } = await ask('charge-4w-marchbank', '?unit=4W');
    const task = await relay.relay.store.getTask('load-1');
    if (!task) throw new Error('load-1 is missing');
    const offered = ColleaguesResponse.parse(body)
      .colleagues.filter((c) => mayReceive(task, c))
      .map((c) => c.id)
      .sort();
    // A discharge routed to nurses on 4W: the two nurses and the unit's leads of discharge work.
    expect(offered).toEqual(
      [
        'charge-4w-marchbank',
        'coordinator-sorrel',
        'nurse-brightwater',
        'nurse-okafor',
        'supervisor-achterberg',
      ].sort(),
    );
    const result = await relay.relay.store.getTask('load-5e');
    if (!result) throw new Error('load-5e is missing');
    // Nobody on 4W's list may take 5E's work unless they work on 5E too.
    expect(
      ColleaguesResponse.parse(body)
        .colleagues.filter((c) => mayReceive(result, c))
        .map((c) => c.id)
        .sort(),
    ).toEqual(['coordinator-sorrel', 'supervisor-achterberg']);
  });

  it('[HO10] a nurse may list her own unit, to pick a handover receiver', async () => {
    const { status } = await ask('nurse-brightwater', '?unit=4W');
    expect(status).toBe(200);
  });

  it.each([
    [
      'a 5E nurse asking for 4W',
      'nurse-quillon',
      '?unit=4W',
      403,
      'You do not work on 4W, so you cannot list its people.',
    ],
    [
      'a 5E charge nurse asking for 4W',
      'charge-5e-fennimore',
      '?unit=4W',
      403,
      'You do not work on 4W, so you cannot list its people.',
    ],
    ['an admin', 'admin-demo', '?unit=4W', 403, 'Only ward staff may list the people on a unit.'],
    [
      'no unit',
      'nurse-okafor',
      '',
      400,
      'Say which unit: /api/colleagues?unit=4W (letters, digits, - or _).',
    ],
    [
      'a malformed unit',
      'nurse-okafor',
      '?unit=4W%27%20OR%201',
      400,
      'Say which unit: /api/colleagues?unit=4W (letters, digits, - or _).',
    ],
  ])('[HO10] refused: %s', async (_label, staffId, query, status, message) => {
    const answer = await ask(staffId, query);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: { message } });
  });

  it('[HO10] the integration account and an unsigned request are refused', async () => {
    expect((await ask('integration-engine', '?unit=4W')).status).toBe(403);
    const res = await fetch(`${relay.url}/api/colleagues?unit=4W`);
    expect(res.status).toBe(401);
  });
});
