import { isClosed, type Task } from '../../domain';
import type { Colleague } from '../../data/colleagues';
import { stillEscalating } from '../escalations/wording';
import { compareUrgency, overdue } from '../worklist/sorting';

/** One row of the board: a person and what she holds, or the unit's unclaimed work. */
export interface Holding {
  /** The person's staff id, or null for "Unclaimed". */
  id: string | null;
  name: string;
  /** On shift now, by the relay's presence; null when the relay did not list her (another unit's). */
  onShift: boolean | null;
  tasks: Task[];
}

/** Escalating (and not yet acknowledged) first, then overdue, then the worklist's own order. */
export function compareNeed(a: Task, b: Task, now: number): number {
  const ae = stillEscalating(a) && a.escalation.level > 0;
  const be = stillEscalating(b) && b.escalation.level > 0;
  if (ae !== be) return ae ? -1 : 1;
  return compareUrgency(a, b, now);
}

function needsUrgently(tasks: readonly Task[], now: number): number {
  return tasks.filter((t) => overdue(t, now) || (stillEscalating(t) && t.escalation.level > 0)).length;
}

/**
 * Every open task of the unit grouped by who holds it (docs/HANDOFFS.md, who holds what): each holder
 * with her tasks (most urgent first), the people on shift who hold nothing (where work can go), then
 * "Unclaimed". Holders with something overdue or escalating come first, then by name.
 */
export function holdingsOf(
  tasks: readonly Task[],
  unit: string,
  colleagues: readonly Colleague[],
  now: number,
): Holding[] {
  const presence = new Map(colleagues.map((c) => [c.id, c]));
  const held = new Map<string, Holding>();
  const unclaimed: Task[] = [];
  for (const task of tasks) {
    if (task.unit !== unit || isClosed(task)) continue;
    if (!task.owner) {
      unclaimed.push(task);
      continue;
    }
    const holding = held.get(task.owner.id) ?? {
      id: task.owner.id,
      name: task.owner.name,
      onShift: presence.get(task.owner.id)?.onShift ?? null,
      tasks: [],
    };
    holding.tasks.push(task);
    held.set(task.owner.id, holding);
  }
  const people = [...held.values()];
  for (const p of people) p.tasks.sort((a, b) => compareNeed(a, b, now));
  people.sort(
    (a, b) => needsUrgently(b.tasks, now) - needsUrgently(a.tasks, now) || a.name.localeCompare(b.name),
  );
  const idle = colleagues
    .filter((c) => c.onShift && c.units.includes(unit) && !held.has(c.id))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c): Holding => ({ id: c.id, name: c.name, onShift: true, tasks: [] }));
  unclaimed.sort((a, b) => compareNeed(a, b, now));
  return [...people, ...idle, { id: null, name: 'Unclaimed', onShift: null, tasks: unclaimed }];
}
