import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, AssignBedsResult, Task, UnitAssignments } from '../../src/domain';
import type { BedCoverage } from '../../server/src/assignments/service';
import { routed, statResult } from '../helpers/events';
import { FakeClock } from '../helpers/fake-clock';
import { connectAs, eventually, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * Patient assignments (docs/ASSIGNMENTS.md) through a real relay and the official SignalR client:
 * the charge nurse's board, routing to the bed's nurse, her critical results first, the shift change.
 */

const MINUTE = 60_000;
const OKAFOR = 'nurse-okafor';
const BRIGHTWATER = 'nurse-brightwater';
const CHARGE = 'charge-4w-marchbank';
const NURSE_5E = 'nurse-quillon';

interface Listener {
  client: WorklistClient;
  alerts: Alert[];
  boards: UnitAssignments[];
}

async function listen(relay: TestRelay, staffId: string): Promise<Listener> {
  const client = await connectAs(relay.url, staffId);
  const alerts: Alert[] = [];
  const boards: UnitAssignments[] = [];
  client.connection.on('alert', (alert: Alert) => alerts.push(alert));
  client.connection.on('assignmentsChanged', (board: UnitAssignments) => boards.push(board));
  return { client, alerts, boards };
}

function board(who: Listener, unit = '4W'): Promise<UnitAssignments> {
  return who.client.connection.invoke<UnitAssignments>('assignments', unit);
}

async function assign(
  who: Listener,
  beds: string[],
  nurseId: string | null,
  options: { unit?: string; shiftId?: string; commandId?: string } = {},
): Promise<AssignBedsResult> {
  const shiftId = options.shiftId ?? (await board(who, options.unit ?? '4W').catch(() => null))?.shift.id;
  return who.client.connection.invoke<AssignBedsResult>('assignBeds', {
    commandId: options.commandId ?? randomUUID(),
    unit: options.unit ?? '4W',
    beds,
    nurseId,
    shiftId: shiftId ?? '2026-01-01T07:00',
    madeAt: new Date().toISOString(),
  });
}

const beds = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `4W-${String(from + i).padStart(2, '0')}`);

function patientIn(bed: string, n: number) {
  return { ref: `Patient/as-${n}`, name: `Testpatient ${n}`, mrn: `TEST-${n}`, bed };
}

async function coverage(relay: TestRelay, staffId: string): Promise<{ beds: BedCoverage[] }> {
  const token = await devToken(relay.url, staffId);
  const res = await fetch(`${relay.url}/api/coverage`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { beds: BedCoverage[] };
}

/** Lets pushed messages cross loopback before asserting what did (not) arrive. */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('patient assignments', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function start(clock = new FakeClock()) {
    const relay = await startTestRelay({}, { clock });
    cleanup.push(() => relay.stop());
    const ingest = await devToken(relay.url, 'integration-engine');
    const people = async (...ids: string[]) => {
      const listeners = await Promise.all(ids.map((id) => listen(relay, id)));
      cleanup.push(() => Promise.all(listeners.map((l) => l.client.stop())).then(() => undefined));
      return listeners;
    };
    return { relay, clock, ingest, people };
  }

  it('[AS5][AS3][AS10][AS13][AS14] the charge nurse gives 4W-01..06 to Okafor: her patients’ work is hers, her critical result reaches her first and the charge nurse only at its acknowledge-by time', async () => {
    const { relay, clock, ingest, people } = await start();
    const [charge, okafor, brightwater, nurse5E] = await people(CHARGE, OKAFOR, BRIGHTWATER, NURSE_5E);

    const result = await assign(charge!, beds(1, 6), OKAFOR);
    expect(result.status).toBe('applied');
    expect(result.assignments?.beds.filter((b) => b.nurse?.id === OKAFOR).map((b) => b.bed)).toEqual(
      beds(1, 6),
    );
    expect(result.assignments?.beds.find((b) => b.bed === '4W-03')).toMatchObject({
      assignedBy: { id: CHARGE, name: 'H. Marchbank' },
      source: 'charge',
    });
    // [AS3] Everyone on 4W sees the board at once; 5E does not.
    await eventually(() => okafor!.boards.length === 1 && brightwater!.boards.length === 1);
    await settle();
    expect(nurse5E!.boards).toEqual([]);

    const ackBy = new Date(clock.now().getTime() + 10 * MINUTE);
    expect(
      (
        await postEvents(relay.url, ingest, [
          routed('dis-03', 1, { patient: patientIn('4W-03', 3), priority: 'routine' }),
          statResult('k-03', ackBy, { patient: patientIn('4W-03', 3) }),
          statResult('k-04', ackBy, { patient: patientIn('4W-04', 4), title: 'Troponin rising' }),
        ])
      ).body.results.map((r) => r.status),
    ).toEqual(['applied', 'applied', 'applied']);

    // [AS10] Each arrived as hers, in the arrival's own transaction, with the reason in its history.
    for (const id of ['dis-03', 'k-03', 'k-04']) {
      expect((await relay.relay.store.getTask(id))?.owner?.id).toBe(OKAFOR);
      const audit = await relay.relay.store.auditTrail(id);
      expect(audit.map((e) => e.change)).toEqual(['routed', 'assigned-nurse']);
      expect(audit[1]).toMatchObject({ actor: { id: 'system', name: 'Wardline' } });
    }
    expect((await relay.relay.store.auditTrail('dis-03'))[1]?.detail).toBe('Assigned nurse for 4W-03');
    // Brightwater, on 4W with other beds, has none of them as hers.
    const hers = [...(await brightwater!.client.syncAll()).tasks.values()].filter(
      (t: Task) => t.owner?.id === BRIGHTWATER,
    );
    expect(hers).toEqual([]);

    // [AS13][AS14] Each stat result rings once, for Okafor only, as the chain's first level.
    await clock.advance(3_000);
    await eventually(() => okafor!.alerts.length === 2);
    expect(okafor!.alerts.map((a) => [a.taskIds.join(), a.level, a.targetRole]).sort()).toEqual([
      ['k-03', 1, 'AssignedNurse'],
      ['k-04', 1, 'AssignedNurse'],
    ]);
    await settle();
    expect(charge!.alerts).toEqual([]);
    expect(brightwater!.alerts).toEqual([]);

    // She acknowledges one; at the acknowledge-by time only the other reaches the charge nurse.
    expect((await okafor!.client.execute('k-03', 'acknowledge')).status).toBe('applied');
    await clock.advance(10 * MINUTE - 4_000);
    await settle();
    expect(charge!.alerts).toEqual([]);
    await clock.advance(4_000);
    await eventually(() => charge!.alerts.length === 1);
    expect(charge!.alerts[0]).toMatchObject({ taskIds: ['k-04'], level: 2, targetRole: 'ChargeNurse' });
    await settle();
    expect(okafor!.alerts).toHaveLength(2);
    expect(charge!.alerts).toHaveLength(1);
  });

  it('[AS13][AS17] no nurse for the bed, or one who cannot be reached: the chain starts at the charge nurse at once, and coverage names the bed', async () => {
    const { relay, clock, ingest, people } = await start();
    const [charge] = await people(CHARGE);
    // Brightwater is assigned 4W-08 but has no live connection and no push device.
    expect((await assign(charge!, ['4W-08'], BRIGHTWATER)).status).toBe('applied');

    const ackBy = new Date(clock.now().getTime() + 10 * MINUTE);
    await postEvents(relay.url, ingest, [
      statResult('k-07', ackBy, { patient: patientIn('4W-07', 7) }),
      statResult('k-08', ackBy, { patient: patientIn('4W-08', 8) }),
    ]);
    await clock.advance(3_000);
    await eventually(() => charge!.alerts.length === 2);
    expect(charge!.alerts.map((a) => [a.taskIds.join(), a.level, a.targetRole]).sort()).toEqual([
      ['k-07', 2, 'ChargeNurse'],
      ['k-08', 2, 'ChargeNurse'],
    ]);
    expect((await relay.relay.store.getTask('k-07'))?.escalation).toMatchObject({
      level: 2,
      target: { role: 'ChargeNurse' },
      next: { role: 'Supervisor' },
    });

    const bedsOf4W = (await coverage(relay, CHARGE)).beds.find((b) => b.unit === '4W');
    expect(bedsOf4W?.unassigned).toContain('4W-07');
    expect(bedsOf4W?.unassigned).not.toContain('4W-08');
    expect(bedsOf4W?.unreachable).toEqual(['4W-08']);
    // At the acknowledge-by time nothing rings again for the charge nurse: she was told already.
    await clock.advance(10 * MINUTE);
    await settle();
    expect(charge!.alerts).toHaveLength(2);
  });

  it('[AS8][AS9] at the shift change assignments end: every screen gets the empty board, new work goes to the unit queue, coverage lists the ended beds', async () => {
    const { relay, clock, ingest, people } = await start();
    const [charge, okafor] = await people(CHARGE, OKAFOR);
    const day = await board(charge!);
    expect((await assign(charge!, ['4W-01', '4W-02'], OKAFOR)).status).toBe('applied');
    await eventually(() => okafor!.boards.length === 1);

    await clock.advance(Date.parse(day.shift.endsAt) - clock.now().getTime() + 1_000);
    await eventually(() => okafor!.boards.length === 2);
    const night = okafor!.boards[1]!;
    expect(night.shift.id).not.toBe(day.shift.id);
    expect(night.shift.startsAt).toBe(day.shift.endsAt);
    expect(night.beds.every((b) => b.nurse === null)).toBe(true);
    expect(night.endedUnassigned).toEqual(['4W-01', '4W-02']);

    await postEvents(relay.url, ingest, [routed('dis-01', 1, { patient: patientIn('4W-01', 1) })]);
    expect((await relay.relay.store.getTask('dis-01'))?.owner).toBeNull();
    const bedsOf4W = (await coverage(relay, CHARGE)).beds.find((b) => b.unit === '4W');
    expect(bedsOf4W?.ended).toEqual(['4W-01', '4W-02']);

    // A command made for the day shift (offline, before the change) is refused as closed.
    const late = await assign(okafor!, ['4W-05'], OKAFOR, { shiftId: day.shift.id });
    expect(late).toMatchObject({ status: 'rejected', code: 'closed' });
    expect(late.message).toBe('That shift has ended; beds start unassigned each shift.');
    // Assigned again: no longer listed as ended.
    expect((await assign(charge!, ['4W-01'], OKAFOR)).assignments?.endedUnassigned).toEqual(['4W-02']);
  });

  it('[AS12][AS16][AS15] reassigning 4W-03 moves its open unstarted work to the new nurse, each audited; started work stays and is offered to her', async () => {
    const { relay, ingest, people } = await start();
    const [charge, okafor, brightwater] = await people(CHARGE, OKAFOR, BRIGHTWATER);
    // In the queue before anyone had the bed: it goes to her when she gets it.
    await postEvents(relay.url, ingest, [routed('queued', 1, { patient: patientIn('4W-03', 3) })]);
    expect((await assign(charge!, ['4W-03'], OKAFOR)).status).toBe('applied');
    expect((await relay.relay.store.getTask('queued'))?.owner?.id).toBe(OKAFOR);
    await postEvents(relay.url, ingest, [
      routed('waiting', 1, { patient: patientIn('4W-03', 3), kind: 'follow-up', title: 'Wound check' }),
      routed('begun', 1, { patient: patientIn('4W-03', 3), kind: 'follow-up', title: 'Mobilise' }),
      routed('other-bed', 1, { patient: patientIn('4W-05', 5) }),
    ]);
    expect((await okafor!.client.execute('begun', 'start')).status).toBe('applied');

    const moved = await assign(charge!, ['4W-03'], BRIGHTWATER);
    expect(moved.status).toBe('applied');
    for (const id of ['queued', 'waiting']) {
      const task = await relay.relay.store.getTask(id);
      expect(task?.owner?.id).toBe(BRIGHTWATER);
      const last = (await relay.relay.store.auditTrail(id)).at(-1);
      expect(last).toMatchObject({ change: 'assigned-nurse', detail: 'Assigned nurse for 4W-03' });
    }
    const begun = await relay.relay.store.getTask('begun');
    expect(begun?.owner?.id).toBe(OKAFOR);
    expect(begun?.status).toBe('in-progress');
    expect(begun?.handover).toMatchObject({ from: { id: OKAFOR }, to: { id: BRIGHTWATER } });
    // She accepts it through the handover flow like any offer.
    expect((await brightwater!.client.execute('begun', 'handover.accept', {})).status).toBe('applied');
    expect((await relay.relay.store.getTask('begun'))?.owner?.id).toBe(BRIGHTWATER);
    expect((await relay.relay.store.getTask('other-bed'))?.owner).toBeNull();

    const audit = await relay.relay.store.assignmentAudit('4W');
    expect(audit.map((e) => [e.bed, e.nurse?.id ?? null, e.previous?.id ?? null, e.by.id, e.source])).toEqual(
      [
        ['4W-03', OKAFOR, null, CHARGE, 'charge'],
        ['4W-03', BRIGHTWATER, OKAFOR, CHARGE, 'charge'],
      ],
    );
  });

  it('[AS18] the EHR’s care-team hint seeds a free bed for a nurse of the unit, never overrides the ward’s assignment', async () => {
    const { relay, ingest, people } = await start();
    const [charge] = await people(CHARGE);
    expect((await assign(charge!, ['4W-10'], OKAFOR)).status).toBe('applied');
    const hinted = (id: string, bed: string, nurseId: string, n: number) =>
      routed(id, 1, {
        patient: { ...patientIn(bed, n), assignedNurse: { id: nurseId, name: 'from the EHR' } },
      });
    const results = await postEvents(relay.url, ingest, [
      hinted('ehr-09', '4W-09', BRIGHTWATER, 9),
      hinted('ehr-10', '4W-10', BRIGHTWATER, 10),
      hinted('ehr-11', '4W-11', NURSE_5E, 11),
    ]);
    expect(results.body.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    expect((await relay.relay.store.getTask('ehr-09'))?.owner?.id).toBe(BRIGHTWATER);
    expect((await relay.relay.store.getTask('ehr-10'))?.owner?.id).toBe(OKAFOR);
    expect((await relay.relay.store.getTask('ehr-11'))?.owner).toBeNull();
    // The hint is not kept on the task.
    expect((await relay.relay.store.getTask('ehr-09'))?.patient).not.toHaveProperty('assignedNurse');
    const now = await board(charge!);
    expect(now.beds.find((b) => b.bed === '4W-09')).toMatchObject({
      nurse: { id: BRIGHTWATER, name: 'D. Brightwater' },
      assignedBy: { id: 'ehr' },
      source: 'ehr',
    });
    expect(now.beds.find((b) => b.bed === '4W-10')).toMatchObject({
      nurse: { id: OKAFOR },
      source: 'charge',
    });
    expect(now.beds.find((b) => b.bed === '4W-11')?.nurse).toBeNull();
    // A bed the EHR seeded is free for the charge nurse to change, and then the EHR no longer moves it.
    expect((await assign(charge!, ['4W-09'], OKAFOR)).status).toBe('applied');
    await postEvents(relay.url, ingest, [hinted('ehr-09b', '4W-09', BRIGHTWATER, 9)]);
    expect((await relay.relay.store.getTask('ehr-09b'))?.owner?.id).toBe(OKAFOR);
  });

  it('[AS4][AS6][AS7] who may assign: a 5E nurse neither sees nor takes 4W beds, a nurse takes only unassigned beds for herself, a repeat is answered once', async () => {
    const { people } = await start();
    const [charge, okafor, nurse5E] = await people(CHARGE, OKAFOR, NURSE_5E);
    const shiftId = (await board(okafor!)).shift.id;

    await expect(board(nurse5E!)).rejects.toThrow("You can see 4W's beds only as a member of 4W.");
    const foreign = await assign(nurse5E!, ['4W-01'], NURSE_5E, { shiftId });
    expect(foreign).toMatchObject({ status: 'rejected', code: 'forbidden', assignments: null });

    const toSomeoneElse = await assign(okafor!, ['4W-01'], BRIGHTWATER, { shiftId });
    expect(toSomeoneElse).toMatchObject({ status: 'rejected', code: 'forbidden' });

    const commandId = randomUUID();
    const taken = await assign(okafor!, ['4W-10'], OKAFOR, { shiftId, commandId });
    expect(taken.status).toBe('applied');
    expect(taken.assignments?.beds.find((b) => b.bed === '4W-10')).toMatchObject({
      nurse: { id: OKAFOR },
      source: 'self',
    });
    const again = await assign(okafor!, ['4W-10'], OKAFOR, { shiftId, commandId });
    expect(again).toMatchObject({ status: 'duplicate', original: 'applied' });

    // Meanwhile the charge nurse gave 4W-11 to Brightwater: Okafor's offline take of it clashes.
    expect((await assign(charge!, ['4W-11'], BRIGHTWATER, { shiftId })).status).toBe('applied');
    const clash = await assign(okafor!, ['4W-12', '4W-11'], OKAFOR, { shiftId });
    expect(clash).toMatchObject({ status: 'rejected', code: 'conflict' });
    expect(clash.message).toMatch(
      /^4W-11 is already assigned to D\. Brightwater \(by H\. Marchbank at \d\d:\d\d\)\.$/,
    );
    // The whole command was refused: 4W-12 is still free.
    expect(clash.assignments?.beds.find((b) => b.bed === '4W-12')?.nurse).toBeNull();
    // She gives back her own bed; the charge nurse overrides anyone.
    expect((await assign(okafor!, ['4W-10'], null, { shiftId })).status).toBe('applied');
    expect((await assign(charge!, ['4W-11'], OKAFOR, { shiftId })).status).toBe('applied');
  });
});
