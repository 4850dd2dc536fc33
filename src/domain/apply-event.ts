import type { ExceptionRaisedData, InboundEvent, TaskRoutedData } from './events';
import { NO_ESCALATION, SYSTEM, isClosed, type ChecklistItem, type Patient, type Task } from './task';

/** What became of one inbound event. `stale` and `duplicate` are successes: re-delivery is harmless. */
export type EventOutcome =
  | { status: 'applied'; task: Task; change: string; previous: Task | null }
  | { status: 'stale'; reason: string }
  | { status: 'rejected'; reason: string };

/**
 * Applies one validated upstream event to the current task (pure). Upstream owns the snapshot fields
 * (title, unit, patient, due times, the checklist's items); the ward owns the work done on it (owner,
 * status, acknowledgement, ticks made by people, comments), which a newer snapshot never erases.
 */
export function applyEvent(current: Task | null, event: InboundEvent, now: string): EventOutcome {
  const revision = event.data.revision;
  if (current && revision <= current.revision) {
    return {
      status: 'stale',
      reason: `revision ${revision} is not newer than the stored revision ${current.revision}`,
    };
  }
  switch (event.type) {
    case 'wardline.task.routed':
      return applied(current, routed(current, event.data, now), current ? 'rerouted' : 'routed', now);
    case 'wardline.exception.raised':
      return applied(
        current,
        raised(current, event.data, now),
        current ? 'exception-updated' : 'exception-raised',
        now,
      );
    case 'wardline.task.updated': {
      const data = event.data;
      if (!current)
        return {
          status: 'rejected',
          reason: `task ${data.taskId} is not known here, so it cannot be updated`,
        };
      const byId = new Map(data.checklist.map((i) => [i.id, i.done]));
      const unknown = data.checklist
        .filter((i) => !current.checklist.some((c) => c.id === i.id))
        .map((i) => i.id);
      if (unknown.length > 0) {
        return {
          status: 'rejected',
          reason: `checklist item ${unknown.join(', ')} is not on task ${data.taskId}`,
        };
      }
      const checklist = current.checklist.map((item): ChecklistItem => {
        const done = byId.get(item.id);
        if (done === undefined || done === item.done) return item;
        // As with a newer snapshot: upstream may withdraw its own ticks, never one a person made.
        if (!done && tickedByPerson(item)) return item;
        return { ...item, done, doneBy: done ? SYSTEM : null, doneAt: done ? (event.time ?? now) : null };
      });
      return applied(current, { ...current, revision: data.revision, checklist }, 'progress', now);
    }
    case 'wardline.task.cancelled': {
      const data = event.data;
      if (!current)
        return {
          status: 'rejected',
          reason: `task ${data.taskId} is not known here, so it cannot be cancelled`,
        };
      if (isClosed(current)) {
        return applied(current, { ...current, revision: data.revision }, 'cancel-after-close', now);
      }
      return applied(
        current,
        {
          ...current,
          revision: data.revision,
          status: 'cancelled',
          // Nothing is left to hand over: a pending offer would otherwise alert the charge nurse (HO7).
          handover: null,
          escalation: { ...current.escalation, nextAt: null, next: null },
          resolution: { outcome: 'cancelled', note: data.reason, overrideReason: null, by: SYSTEM, at: now },
        },
        'cancelled',
        now,
      );
    }
  }
}

function tickedByPerson(item: ChecklistItem): boolean {
  return item.done && item.doneBy !== null && item.doneBy.id !== SYSTEM.id;
}

function applied(previous: Task | null, task: Task, change: string, now: string): EventOutcome {
  return {
    status: 'applied',
    task: { ...task, version: (previous?.version ?? 0) + 1, updatedAt: now },
    change,
    previous,
  };
}

function patientOf(p: TaskRoutedData['patient'] | undefined): Patient | null {
  return p ? { ref: p.ref, name: p.name, mrn: p.mrn, bed: p.bed ?? null } : null;
}

function blank(id: string, now: string): Task {
  return {
    id,
    kind: 'follow-up',
    title: '',
    detail: null,
    priority: 'routine',
    status: 'requested',
    unit: '',
    candidateRoles: [],
    patient: null,
    owner: null,
    claimedAt: null,
    checklist: [],
    dueAt: null,
    ackBy: null,
    expectedDischargeAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    escalation: NO_ESCALATION,
    exception: null,
    hold: null,
    resolution: null,
    comments: [],
    handover: null,
    handoverDeclined: null,
    handoverAccepted: null,
    revision: 0,
    version: 0,
    seq: 0,
    createdAt: now,
    updatedAt: now,
  };
}

function routed(current: Task | null, data: TaskRoutedData, now: string): Task {
  const base = current ?? blank(data.taskId, now);
  const previousItems = new Map(base.checklist.map((i) => [i.id, i]));
  const checklist = (data.checklist ?? []).map((item): ChecklistItem => {
    const before = previousItems.get(item.id);
    // A tick made by a person stays; upstream can only add ticks it made itself.
    if (before && tickedByPerson(before)) {
      return { ...before, label: item.label, required: item.required };
    }
    if (item.done)
      return {
        id: item.id,
        label: item.label,
        required: item.required,
        done: true,
        doneBy: before?.doneBy ?? SYSTEM,
        doneAt: before?.doneAt ?? now,
      };
    return {
      id: item.id,
      label: item.label,
      required: item.required,
      done: false,
      doneBy: null,
      doneAt: null,
    };
  });
  return {
    ...base,
    kind: data.kind,
    title: data.title,
    detail: data.detail ?? null,
    priority: data.priority,
    unit: data.unit,
    candidateRoles: data.candidateRoles,
    patient: patientOf(data.patient),
    checklist,
    dueAt: data.dueAt ?? null,
    ackBy: data.ackBy ?? null,
    expectedDischargeAt: data.expectedDischargeAt ?? null,
    revision: data.revision,
  };
}

function raised(current: Task | null, data: ExceptionRaisedData, now: string): Task {
  const base = current ?? blank(data.taskId, now);
  return {
    ...base,
    kind: 'exception',
    title: data.title,
    detail: data.detail ?? null,
    priority: data.priority,
    unit: data.unit,
    candidateRoles: ['Coordinator'],
    patient: patientOf(data.patient),
    exception: { reasonCode: data.reasonCode, sourceRef: data.sourceRef ?? null },
    revision: data.revision,
  };
}
