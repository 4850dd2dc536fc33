import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/domain';
import { routed } from '../helpers/events';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

const NOTE = {
  severity: 'watcher',
  summary: 'Day 3 pneumonia, home today',
  awareness: 'If K+ above 6 on recheck, call the registrar',
} as const;

/** Handover across two nurses on 4W, with the official client, through a real relay (docs/HANDOFFS.md). */
describe('handover between nurses', () => {
  let relay: TestRelay;
  let okafor: WorklistClient;
  let brightwater: WorklistClient;
  let charge: WorklistClient;
  let quillon: WorklistClient;

  beforeAll(async () => {
    relay = await startTestRelay();
    const ingest = await devToken(relay.url, 'integration-engine');
    const ids = ['ho-accept', 'ho-decline', 'ho-dup', 'ho-late', 'ho-5e', 'ho-release'];
    await postEvents(
      relay.url,
      ingest,
      ids.map((id) => routed(id, 1, { candidateRoles: ['Nurse'] })),
    );
    okafor = await connectAs(relay.url, 'nurse-okafor');
    brightwater = await connectAs(relay.url, 'nurse-brightwater');
    charge = await connectAs(relay.url, 'charge-4w-marchbank');
    quillon = await connectAs(relay.url, 'nurse-quillon');
    for (const id of ids) expect((await okafor.execute(id, 'claim')).status).toBe('applied');
  });

  afterAll(async () => {
    await Promise.all([okafor, brightwater, charge, quillon].map((c) => c?.stop()));
    await relay?.stop();
  });

  const latest = (client: WorklistClient, id: string): Task | undefined =>
    client.received.changed.filter((t) => t.id === id).at(-1);

  it('[HO1][HO4] the offer reaches the receiver live, the task stays the sender’s until she accepts', async () => {
    const offered = await okafor.execute('ho-accept', 'handover.offer', {
      to: { id: 'nurse-brightwater' },
      note: NOTE,
    });
    expect(offered).toMatchObject({
      status: 'applied',
      task: {
        owner: { id: 'nurse-okafor', name: 'R. Okafor' },
        handover: { from: { name: 'R. Okafor' }, to: { name: 'D. Brightwater' }, note: NOTE },
      },
    });
    // "Handed over by R. Okafor at …" with the note, on the receiver's device, without a reload.
    const seen = await eventually(() => latest(brightwater, 'ho-accept')?.handover ?? false);
    expect(seen).toMatchObject({ from: { id: 'nurse-okafor' }, note: NOTE });

    const accepted = await brightwater.execute('ho-accept', 'handover.accept', {
      synthesis: 'Home today once K+ rechecked',
      question: 'Has pharmacy sent the TTOs?',
    });
    expect(accepted).toMatchObject({
      status: 'applied',
      task: {
        owner: { id: 'nurse-brightwater' },
        handover: null,
        handoverAccepted: { from: { id: 'nurse-okafor' }, question: 'Has pharmacy sent the TTOs?' },
      },
    });
    // The sender sees the question come back; the charge nurse sees the new holder, live.
    await eventually(
      () => latest(okafor, 'ho-accept')?.handoverAccepted?.question === 'Has pharmacy sent the TTOs?',
    );
    await eventually(() => latest(charge, 'ho-accept')?.owner?.id === 'nurse-brightwater');
  });

  it('[HO5] a decline returns the reason to the sender and the task stays hers', async () => {
    await okafor.execute('ho-decline', 'handover.offer', { to: { id: 'nurse-brightwater' } });
    const refused = await brightwater.execute('ho-decline', 'handover.decline', {});
    expect(refused).toMatchObject({ status: 'rejected', code: 'invalid' });
    const declined = await brightwater.execute('ho-decline', 'handover.decline', {
      reason: 'Two admissions on their way',
    });
    expect(declined).toMatchObject({
      status: 'applied',
      task: { owner: { id: 'nurse-okafor' }, handover: null },
    });
    const back = await eventually(() => latest(okafor, 'ho-decline')?.handoverDeclined ?? false);
    expect(back).toMatchObject({ by: { name: 'D. Brightwater' }, reason: 'Two admissions on their way' });
  });

  it('[HO2] a 5E nurse is never a receiver, and cannot answer a 4W offer', async () => {
    const refused = await okafor.execute('ho-5e', 'handover.offer', { to: { id: 'nurse-quillon' } });
    expect(refused).toMatchObject({ status: 'rejected', code: 'invalid' });
    expect(refused.status === 'rejected' && refused.message).toBe(
      'S. Quillon does not work on 4W in a role this task is routed to.',
    );
    const admin = await okafor.execute('ho-5e', 'handover.offer', { to: { id: 'admin-demo' } });
    expect(admin).toMatchObject({ status: 'rejected', code: 'invalid' });

    await okafor.execute('ho-5e', 'handover.offer', { to: { id: 'nurse-brightwater' } });
    const stranger = await quillon.execute('ho-5e', 'handover.accept', {});
    // A task the caller cannot see is answered as if it were gone (SECURITY.md N7).
    expect(stranger).toMatchObject({ status: 'rejected', code: 'not-found', task: null });
    expect((await relay.relay.store.getTask('ho-5e'))?.owner?.id).toBe('nurse-okafor');
  });

  it('[HO8][H7] a repeated commandId gets the original answer and changes nothing', async () => {
    const offerId = randomUUID();
    const first = await okafor.execute(
      'ho-dup',
      'handover.offer',
      { to: { id: 'nurse-brightwater' } },
      offerId,
    );
    expect(first.status).toBe('applied');
    const acceptId = randomUUID();
    expect((await brightwater.execute('ho-dup', 'handover.accept', {}, acceptId)).status).toBe('applied');
    const changes = (await relay.relay.store.auditTrail('ho-dup')).length;

    // The offer replayed after it was accepted (an outbox resend): the original answer, no new offer.
    const again = await okafor.execute(
      'ho-dup',
      'handover.offer',
      { to: { id: 'nurse-brightwater' } },
      offerId,
    );
    expect(again).toMatchObject({
      status: 'duplicate',
      original: 'applied',
      task: { owner: { id: 'nurse-brightwater' }, handover: null },
    });
    const acceptAgain = await brightwater.execute('ho-dup', 'handover.accept', {}, acceptId);
    expect(acceptAgain).toMatchObject({ status: 'duplicate', original: 'applied' });
    expect(await relay.relay.store.auditTrail('ho-dup')).toHaveLength(changes);
  });

  it('[HO8] an offer replayed after the charge nurse reassigned the task is refused naming the new owner, every time', async () => {
    const reassigned = await charge.execute('ho-late', 'reassign', { to: { id: 'nurse-brightwater' } });
    expect(reassigned.status).toBe('applied');
    // Okafor's offer was made offline before the reassignment; her outbox sends it now.
    const commandId = randomUUID();
    const late = await okafor.execute(
      'ho-late',
      'handover.offer',
      { to: { id: 'charge-4w-marchbank' } },
      commandId,
    );
    expect(late.status).toBe('rejected');
    expect(late.status === 'rejected' && late.message).toMatch(
      /^This task is now held by D\. Brightwater \(since \d\d:\d\d\)\.$/,
    );
    const resent = await okafor.execute(
      'ho-late',
      'handover.offer',
      { to: { id: 'charge-4w-marchbank' } },
      commandId,
    );
    expect(resent).toMatchObject({ status: 'duplicate', original: 'rejected', code: 'conflict' });
  });

  it('[HO6][HO11] the history names every handoff, and upstream hears ids only', async () => {
    await okafor.execute('ho-release', 'handover.offer', { to: { id: 'nurse-brightwater' }, note: NOTE });
    await okafor.execute('ho-release', 'handover.withdraw');
    const released = await charge.execute('ho-release', 'release', {
      note: 'Family meeting at 4, whoever takes it',
    });
    expect(released).toMatchObject({ status: 'applied', task: { owner: null, status: 'requested' } });

    const trail = (await relay.relay.store.auditTrail('ho-release')).map((e) => [
      e.change,
      e.actor.id,
      e.detail,
    ]);
    expect(trail.slice(-3)).toEqual([
      ['handover-offered', 'nurse-okafor', 'nurse-brightwater'],
      ['handover-withdrawn', 'nurse-okafor', 'nurse-brightwater'],
      ['released-on-behalf', 'charge-4w-marchbank', 'nurse-okafor'],
    ]);
    expect((await relay.relay.store.auditTrail('ho-accept')).map((e) => e.change)).toContain(
      'handover-accepted',
    );

    // The task's history, as its screen reads it, keeps the note with the offer and the synthesis and
    // question with the acceptance, with who and when.
    const token = await devToken(relay.url, 'nurse-brightwater');
    const res = await fetch(`${relay.url}/api/tasks/ho-accept/history`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const history = (await res.json()) as {
      entries: Array<{ change: string; actor: { name: string }; at: string; handover?: unknown }>;
    };
    expect(history.entries.find((e) => e.change === 'handover-offered')).toMatchObject({
      actor: { name: 'R. Okafor' },
      handover: { note: NOTE },
    });
    expect(history.entries.find((e) => e.change === 'handover-accepted')).toMatchObject({
      actor: { name: 'D. Brightwater' },
      handover: { synthesis: 'Home today once K+ rechecked', question: 'Has pharmacy sent the TTOs?' },
    });

    const outbound = await relay.relay.store.pendingOutbox(1000);
    const types = outbound.map((r) => r.type);
    for (const type of ['offered', 'accepted', 'declined', 'withdrawn'])
      expect(types).toContain(`wardline.task.handover.${type}`);
    const offer = outbound.find(
      (r) => r.taskId === 'ho-release' && r.type === 'wardline.task.handover.offered',
    );
    expect(JSON.parse(offer!.body).data).toMatchObject({
      ownerId: 'nurse-okafor',
      handoverToId: 'nurse-brightwater',
    });
    const onBehalf = outbound
      .filter((r) => r.taskId === 'ho-release' && r.type === 'wardline.task.released')
      .at(-1);
    expect(JSON.parse(onBehalf!.body).data).toMatchObject({
      ownerId: null,
      previousOwnerId: 'nurse-okafor',
      actor: { id: 'charge-4w-marchbank' },
    });
    // [HO3] The note and the reasons stay in the relay: not one outbound body carries them.
    const bodies = outbound.map((r) => r.body).join('\n');
    for (const words of [NOTE.summary, NOTE.awareness, 'Two admissions', 'Family meeting', 'TTOs'])
      expect(bodies).not.toContain(words);
    expect(relay.logs.text).not.toContain(NOTE.awareness);
    expect(relay.logs.text).not.toContain('Two admissions');
  });
});
