import type { Alert, Task } from '../../../src/domain';
import type { Clock } from './clock';
import type { Firing } from './scheduler';

/**
 * Several critical results for one patient within a few seconds become one alert: a charge nurse's
 * phone rings once for "K+ 6.4, troponin rising, lactate 4.1 — bed 4W-12", not three times.
 */
export const COALESCE_WINDOW_MS = 2_000;

export interface AlertDelivery {
  alert: Alert;
  tasks: Task[];
  /** Staff ids of the only people told, for a target that is a person (the bed's assigned nurse). */
  recipients?: string[];
}

interface Pending {
  firings: Firing[];
  timer: unknown;
}

export class AlertCoalescer {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly deliver: (delivery: AlertDelivery) => void,
    private readonly windowMs = COALESCE_WINDOW_MS,
  ) {}

  add(firing: Firing): void {
    const key = [
      firing.task.patient?.ref ?? `task:${firing.task.id}`,
      firing.task.unit,
      firing.level,
      firing.repeats,
      firing.target.role,
      firing.target.scope,
      ...(firing.recipients ?? []),
    ].join('|');
    const existing = this.pending.get(key);
    if (existing) {
      existing.firings.push(firing);
      return;
    }
    const timer = this.clock.setTimer(() => this.flush(key), this.windowMs);
    this.pending.set(key, { firings: [firing], timer });
  }

  /** Sends everything waiting (at shutdown, so no alert is lost in the window). */
  flushAll(): void {
    for (const key of [...this.pending.keys()]) this.flush(key);
  }

  private flush(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    this.clock.clearTimer(entry.timer);
    const first = entry.firings[0];
    if (!first) return;
    const tasks = entry.firings.map((f) => f.task);
    const nextAts = tasks
      .map((t) => t.escalation.nextAt)
      .filter((t): t is string => t !== null)
      .sort();
    this.deliver({
      tasks,
      ...(first.recipients ? { recipients: first.recipients } : {}),
      alert: {
        // A repeat is a new alert (it rings again), so its id differs from the level's first firing.
        id: `${first.task.id}:${first.level}${first.repeats > 0 ? `r${first.repeats}` : ''}`,
        taskIds: tasks.map((t) => t.id),
        unit: first.task.unit,
        level: first.level,
        repeats: first.repeats,
        targetRole: first.target.role,
        scope: first.target.scope,
        priority: first.task.priority,
        title: first.task.title,
        bed: first.task.patient?.bed ?? null,
        at: this.clock.now().toISOString(),
        nextAt: nextAts[0] ?? null,
        kind: 'escalation',
      },
    });
  }
}
