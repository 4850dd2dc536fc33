import { describe, expect, it, test } from 'vitest';
import { applyEvent, type EventOutcome } from './apply-event';
import { parseInboundEvent, type InboundEvent } from './events';
import { NO_ESCALATION, SYSTEM, Task } from './task';
import { visibleTo } from './visibility';
import {
  NOW,
  at,
  cancelledEvent,
  coordinator,
  inStatus,
  item,
  nurse,
  ownedBy,
  raisedEvent,
  ref,
  routedEvent,
  updatedEvent,
} from './testing/fixtures';

function event(json: Record<string, unknown>): InboundEvent {
  const parsed = parseInboundEvent(json);
  if (!parsed.ok) throw new Error(`fixture event is invalid: ${parsed.reason}`);
  return parsed.event;
}

function applied(outcome: EventOutcome) {
  if (outcome.status !== 'applied')
    throw new Error(`expected applied, got ${outcome.status}: ${outcome.reason}`);
  return outcome;
}

/** Work in progress on the ward: claimed, started, acknowledged, one item ticked by a person, a note. */
function workedOn(): Task {
  return ownedBy(nurse, {
    status: 'in-progress',
    revision: 3,
    acknowledgedAt: at('09:20'),
    acknowledgedBy: ref(nurse),
    checklist: [
      item('med-rec', 'Medication reconciliation', true, ref(nurse)),
      item('transport', 'Transport booked', false, SYSTEM),
      item('equipment', 'Equipment delivered', false),
    ],
    comments: [{ by: ref(nurse), at: at('09:40'), text: 'Family aware' }],
    escalation: { ...NO_ESCALATION, level: 1, nextAt: at('11:00'), lastAt: at('10:30'), reason: null },
  });
}

describe('applyEvent: wardline.task.routed', () => {
  it('creates a new, unclaimed task at version 1', () => {
    const outcome = applied(applyEvent(null, event(routedEvent()), NOW));
    expect(outcome).toMatchObject({ change: 'routed', previous: null });
    expect(outcome.task).toMatchObject({
      id: 'task-4w-bed12-discharge',
      kind: 'discharge',
      status: 'requested',
      unit: '4W',
      candidateRoles: ['Nurse'],
      owner: null,
      claimedAt: null,
      acknowledgedAt: null,
      patient: { ref: 'Patient/demo-0012', name: 'Ada Testperson', mrn: 'DEMO-000012', bed: '4W-12' },
      dueAt: at('14:00'),
      ackBy: null,
      escalation: NO_ESCALATION,
      exception: null,
      comments: [],
      handover: null,
      handoverDeclined: null,
      handoverAccepted: null,
      revision: 1,
      version: 1,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(outcome.task.checklist).toEqual([
      {
        id: 'med-rec',
        label: 'Medication reconciliation',
        required: true,
        done: false,
        doneBy: null,
        doneAt: null,
      },
      {
        id: 'transport',
        label: 'Transport booked',
        required: false,
        done: false,
        doneBy: null,
        doneAt: null,
      },
    ]);
    expect(Task.safeParse(outcome.task).success).toBe(true);
  });

  it('an item upstream already did arrives ticked by the system', () => {
    const data = { checklist: [{ id: 'transport', label: 'Transport booked', required: false, done: true }] };
    const outcome = applied(applyEvent(null, event(routedEvent(data)), NOW));
    expect(outcome.task.checklist[0]).toMatchObject({ done: true, doneBy: SYSTEM, doneAt: NOW });
  });

  it('optional fields absent are null, and no checklist is an empty one', () => {
    const data = {
      checklist: undefined,
      dueAt: undefined,
      expectedDischargeAt: undefined,
      kind: 'follow-up',
    };
    const json = routedEvent(data);
    (json.data as { patient: Record<string, unknown> }).patient.bed = undefined;
    const outcome = applied(applyEvent(null, event(json), NOW));
    expect(outcome.task).toMatchObject({
      checklist: [],
      dueAt: null,
      expectedDischargeAt: null,
      detail: null,
    });
    expect(outcome.task.patient?.bed).toBeNull();
  });

  it('a newer revision updates the snapshot but keeps owner, status, acknowledgement, people’s ticks and comments', () => {
    const current = workedOn();
    const next = routedEvent({
      revision: 4,
      title: 'Discharge to rehab: bed 14',
      priority: 'urgent',
      patient: { ref: 'Patient/demo-0012', name: 'Ada Testperson', mrn: 'DEMO-000012', bed: '4W-14' },
      dueAt: at('16:00'),
      checklist: [
        // Upstream does not know the nurse ticked this: her tick stays, the new label is taken.
        { id: 'med-rec', label: 'Medicines reconciled', required: true, done: false },
        // Upstream withdrew its own tick: that one may go.
        { id: 'transport', label: 'Transport booked', required: false, done: false },
        // A new item; "equipment" is no longer on the list.
        { id: 'home-health', label: 'Home-health referral', required: true, done: false },
      ],
    });
    const outcome = applied(applyEvent(current, event(next), NOW));

    expect(outcome).toMatchObject({ change: 'rerouted', previous: current });
    expect(outcome.task).toMatchObject({
      title: 'Discharge to rehab: bed 14',
      priority: 'urgent',
      dueAt: at('16:00'),
      patient: { bed: '4W-14' },
      revision: 4,
      version: current.version + 1,
      updatedAt: NOW,
      // The ward's work:
      owner: current.owner,
      claimedAt: current.claimedAt,
      status: 'in-progress',
      acknowledgedAt: current.acknowledgedAt,
      acknowledgedBy: current.acknowledgedBy,
      comments: current.comments,
      escalation: current.escalation,
      createdAt: current.createdAt,
    });
    expect(outcome.task.checklist).toEqual([
      { ...current.checklist[0], label: 'Medicines reconciled' },
      {
        id: 'transport',
        label: 'Transport booked',
        required: false,
        done: false,
        doneBy: null,
        doneAt: null,
      },
      {
        id: 'home-health',
        label: 'Home-health referral',
        required: true,
        done: false,
        doneBy: null,
        doneAt: null,
      },
    ]);
  });

  it('a newer snapshot does not reopen closed work', () => {
    const done = inStatus('completed', nurse, { revision: 3 });
    const outcome = applied(applyEvent(done, event(routedEvent({ revision: 4 })), NOW));
    expect(outcome.task.status).toBe('completed');
    expect(outcome.task.resolution).toEqual(done.resolution);
  });
});

describe('applyEvent: stale revisions', () => {
  const types = [
    ['wardline.task.routed', routedEvent],
    ['wardline.exception.raised', raisedEvent],
    ['wardline.task.updated', updatedEvent],
    ['wardline.task.cancelled', cancelledEvent],
  ] as const;
  const cases = types.flatMap(([type, make]) =>
    [3, 2, 0].map((revision) => ({
      type,
      make,
      revision,
      title: `${type} at revision ${revision} on revision 3 → stale`,
    })),
  );

  test.each(cases.map((c) => [c.title, c] as const))('%s', (_title, { make, revision }) => {
    const current = workedOn();
    const json = make({ revision, taskId: current.id });
    const outcome = applyEvent(current, event(json), NOW);
    expect(outcome).toEqual({
      status: 'stale',
      reason: `revision ${revision} is not newer than the stored revision 3`,
    });
  });
});

describe('applyEvent: wardline.task.updated', () => {
  it('of a task not known here is rejected with a readable reason', () => {
    expect(applyEvent(null, event(updatedEvent()), NOW)).toEqual({
      status: 'rejected',
      reason: 'task task-4w-bed12-discharge is not known here, so it cannot be updated',
    });
  });

  it('naming an item not on the task is rejected', () => {
    const json = updatedEvent({ revision: 4, checklist: [{ id: 'parking-permit', done: true }] });
    expect(applyEvent(workedOn(), event(json), NOW)).toEqual({
      status: 'rejected',
      reason: 'checklist item parking-permit is not on task task-4w-bed12-discharge',
    });
  });

  it('ticks items as the system, at the event’s time', () => {
    const json = updatedEvent(
      { revision: 4, checklist: [{ id: 'equipment', done: true }] },
      { time: at('10:40') },
    );
    const outcome = applied(applyEvent(workedOn(), event(json), NOW));
    expect(outcome.change).toBe('progress');
    expect(outcome.task.checklist[2]).toMatchObject({
      id: 'equipment',
      done: true,
      doneBy: SYSTEM,
      doneAt: at('10:40'),
    });
    expect(outcome.task).toMatchObject({
      revision: 4,
      version: workedOn().version + 1,
      status: 'in-progress',
    });
  });

  it('without an event time, ticks at the relay’s now', () => {
    const json = updatedEvent(
      { revision: 4, checklist: [{ id: 'equipment', done: true }] },
      { time: undefined },
    );
    expect(applied(applyEvent(workedOn(), event(json), NOW)).task.checklist[2]?.doneAt).toBe(NOW);
  });

  it('may withdraw its own tick', () => {
    const json = updatedEvent({ revision: 4, checklist: [{ id: 'transport', done: false }] });
    expect(applied(applyEvent(workedOn(), event(json), NOW)).task.checklist[1]).toMatchObject({
      done: false,
      doneBy: null,
      doneAt: null,
    });
  });

  it('never erases a tick a person made', () => {
    const json = updatedEvent({ revision: 4, checklist: [{ id: 'med-rec', done: false }] });
    const current = workedOn();
    expect(applied(applyEvent(current, event(json), NOW)).task.checklist[0]).toEqual(current.checklist[0]);
  });

  it('does not re-stamp an item that was already done', () => {
    const json = updatedEvent({ revision: 4, checklist: [{ id: 'med-rec', done: true }] });
    const current = workedOn();
    expect(applied(applyEvent(current, event(json), NOW)).task.checklist[0]).toEqual(current.checklist[0]);
  });
});

describe('applyEvent: wardline.task.cancelled', () => {
  it('closes the task, records why, and stops escalation', () => {
    const current = workedOn();
    const outcome = applied(applyEvent(current, event(cancelledEvent({ revision: 4 })), NOW));
    expect(outcome.change).toBe('cancelled');
    expect(outcome.task).toMatchObject({ status: 'cancelled', revision: 4, version: current.version + 1 });
    expect(outcome.task.escalation).toEqual({ ...current.escalation, nextAt: null });
    expect(outcome.task.resolution).toEqual({
      outcome: 'cancelled',
      note: 'Admission extended by the consultant',
      overrideReason: null,
      by: SYSTEM,
      at: NOW,
    });
  });

  it('of a task not known here is rejected with a readable reason', () => {
    expect(applyEvent(null, event(cancelledEvent()), NOW)).toEqual({
      status: 'rejected',
      reason: 'task task-4w-bed12-discharge is not known here, so it cannot be cancelled',
    });
  });

  it('after the ward completed it keeps the completion and only takes the revision', () => {
    const done = inStatus('completed', nurse, { revision: 3 });
    const outcome = applied(applyEvent(done, event(cancelledEvent({ revision: 4 })), NOW));
    expect(outcome.change).toBe('cancel-after-close');
    expect(outcome.task).toEqual({ ...done, revision: 4, version: done.version + 1, updatedAt: NOW });
  });
});

describe('applyEvent: wardline.exception.raised', () => {
  it('creates an exception routed to coordinators, with its reason and source', () => {
    const outcome = applied(applyEvent(null, event(raisedEvent()), NOW));
    expect(outcome.change).toBe('exception-raised');
    expect(outcome.task).toMatchObject({
      id: 'exc-4w-unmatched-0007',
      kind: 'exception',
      status: 'requested',
      candidateRoles: ['Coordinator'],
      patient: null,
      detail: 'PID-3 DEMO-999999 matches no patient on 4W.',
      exception: { reasonCode: 'unmatched-identifier', sourceRef: { system: 'LIS', messageId: 'MSG-0007' } },
      version: 1,
    });
    expect(Task.safeParse(outcome.task).success).toBe(true);
    expect(visibleTo(outcome.task, coordinator)).toBe(true);
    expect(visibleTo(outcome.task, nurse)).toBe(false);
  });

  it('a newer revision updates the details but keeps the coordinator’s claim', () => {
    const first = applied(applyEvent(null, event(raisedEvent()), NOW)).task;
    const claimed = { ...first, owner: ref(coordinator), claimedAt: NOW, status: 'accepted' as const };
    const json = raisedEvent({ revision: 2, reasonCode: 'duplicate-record', priority: 'asap' });
    const outcome = applied(applyEvent(claimed, event(json), NOW));
    expect(outcome.change).toBe('exception-updated');
    expect(outcome.task).toMatchObject({
      owner: ref(coordinator),
      status: 'accepted',
      priority: 'asap',
      exception: { reasonCode: 'duplicate-record' },
      version: 2,
    });
  });

  it('keeps its patient when one is given', () => {
    const patient = { ref: 'Patient/demo-0031', name: 'Ben Sampleman', mrn: 'DEMO-000031' };
    const outcome = applied(applyEvent(null, event(raisedEvent({ patient })), NOW));
    expect(outcome.task.patient).toEqual({ ...patient, bed: null });
  });
});

describe('applyEvent: purity', () => {
  it('does not touch the task it was given', () => {
    const current = workedOn();
    const copy = structuredClone(current);
    applyEvent(current, event(routedEvent({ revision: 9 })), NOW);
    applyEvent(current, event(updatedEvent({ revision: 9 })), NOW);
    applyEvent(current, event(cancelledEvent({ revision: 9 })), NOW);
    expect(current).toEqual(copy);
  });

  it('version counts the task’s changes, not upstream revisions', () => {
    const first = applied(applyEvent(null, event(routedEvent({ revision: 10 })), NOW)).task;
    const second = applied(applyEvent(first, event(routedEvent({ revision: 25 })), NOW)).task;
    expect([first.version, second.version]).toEqual([1, 2]);
  });
});
