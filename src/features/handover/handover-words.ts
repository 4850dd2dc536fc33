import type { HandoverNote, IllnessSeverity, Task } from '../../domain';
import { clockTime } from '../shared/format';

export const SEVERITY_WORDS: Record<IllnessSeverity, string> = {
  stable: 'Stable',
  watcher: 'Watcher',
  unstable: 'Unstable',
};

/** The tasks of one patient, handed over under one I-PASS note. */
export interface PatientGroup {
  key: string;
  name: string;
  bed: string | null;
  tasks: Task[];
}

/** Tasks grouped by patient, in the order they first appear; a task without a patient stands alone. */
export function patientGroups(tasks: readonly Task[]): PatientGroup[] {
  const groups = new Map<string, PatientGroup>();
  for (const task of tasks) {
    const key = task.patient ? `patient:${task.patient.ref}` : `task:${task.id}`;
    const group = groups.get(key) ?? {
      key,
      name: task.patient?.name ?? task.title,
      bed: task.patient?.bed ?? null,
      tasks: [],
    };
    group.tasks.push(task);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** "Being handed to D. Brightwater since 19:02": the task stays the sender's until she accepts. */
export function beingHandedWords(task: Task): string | null {
  if (!task.handover) return null;
  return `Being handed to ${task.handover.to.name} since ${clockTime(task.handover.offeredAt)}`;
}

/** "Handed over by R. Okafor at 19:02", as the receiver reads it. */
export function handedOverByWords(task: Task): string | null {
  if (!task.handover) return null;
  return `Handed over by ${task.handover.from.name} at ${clockTime(task.handover.offeredAt)}`;
}

/** "Acknowledged by H. Marchbank at 19:31": every list, card and the task say the same. */
export function acknowledgedWords(task: Pick<Task, 'acknowledgedAt' | 'acknowledgedBy'>): string | null {
  if (!task.acknowledgedAt) return null;
  return `Acknowledged by ${task.acknowledgedBy?.name ?? 'someone'} at ${clockTime(task.acknowledgedAt)}`;
}

export function hasNote(note: HandoverNote | null | undefined): note is HandoverNote {
  return !!note && Object.values(note).some((v) => v !== undefined && v !== '');
}

/**
 * The last decline or acceptance still describes the task only while the work has not changed hands
 * since (a reassignment sets a later `claimedAt`): D. Brightwater, given the task she once declined,
 * must not read "Declined by D. Brightwater" on her own screen.
 */
export function currentDecline(task: Task): Task['handoverDeclined'] {
  const declined = task.handoverDeclined;
  if (!declined || !task.owner) return null;
  if (declined.by.id === task.owner.id) return null;
  return !task.claimedAt || declined.at >= task.claimedAt ? declined : null;
}

export function currentAcceptance(task: Task): Task['handoverAccepted'] {
  const accepted = task.handoverAccepted;
  if (!accepted || task.owner?.id !== accepted.by.id) return null;
  return !task.claimedAt || accepted.at >= task.claimedAt ? accepted : null;
}
