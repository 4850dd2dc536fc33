import { isClosed, type Alert, type Task } from '../../../src/domain';
import type { AlertDelivery } from '../escalation/alerts';
import type { Clock } from '../escalation/clock';
import type { Logger } from '../log';
import type { WorklistStore } from '../store/worklist-store';

export const DEFAULT_HANDOVER_ACCEPT_MINUTES = 15;
/** Like the escalation scheduler: wake at least this often, so a lost timer never delays an alert long. */
const MAX_SLEEP_MS = 60_000;

export interface HandoverWatchOptions {
  store: WorklistStore;
  clock: Clock;
  logger: Logger;
  acceptMinutes: number;
  /**
   * Sends the alert this relay recorded to the unit's charge nurses as Web Push. Hub connections (this
   * relay's and every other relay's) are told from the committed `handover-overdue` change instead.
   */
  deliver: (delivery: AlertDelivery) => void;
}

/**
 * Offers nobody answers (docs/HANDOFFS.md HO7). Each pending offer is due `acceptMinutes` after it was
 * made; when it comes due the relay records `handover-overdue` on the task (setting `alertedAt`, so a
 * restart never alerts twice) and sends one alert to the charge nurses of the task's unit. Deadlines
 * are derived from the stored tasks at start and kept current from each committed change.
 */
export class HandoverWatch {
  private readonly dueAt = new Map<string, number>();
  private timer: unknown = null;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: HandoverWatchOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    for (const task of await this.options.store.openTasksWithPendingHandover()) this.track(task);
    this.unsubscribe = this.options.store.onCommitted(({ task }) => {
      this.track(task);
      this.schedule();
    });
    await this.runDue();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
  }

  /** Alerts every offer due by now, then sleeps until the next one. */
  async runDue(): Promise<void> {
    if (this.stopped) return;
    const now = this.options.clock.now().getTime();
    const due = [...this.dueAt].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [taskId] of due) {
      this.dueAt.delete(taskId);
      await this.fire(taskId);
    }
    this.schedule();
  }

  private track(task: Task): void {
    const offer = task.handover;
    if (!offer || offer.alertedAt !== null || isClosed(task)) {
      this.dueAt.delete(task.id);
      return;
    }
    this.dueAt.set(task.id, Date.parse(offer.offeredAt) + this.options.acceptMinutes * 60_000);
  }

  private schedule(): void {
    if (this.stopped) return;
    const { clock } = this.options;
    if (this.timer !== null) clock.clearTimer(this.timer);
    const next = Math.min(...this.dueAt.values());
    const delay = Number.isFinite(next)
      ? Math.max(0, Math.min(MAX_SLEEP_MS, next - clock.now().getTime()))
      : MAX_SLEEP_MS;
    this.timer = clock.setTimer(() => {
      this.timer = null;
      void this.runDue();
    }, delay);
  }

  private async fire(taskId: string): Promise<void> {
    const { store, acceptMinutes, logger, deliver } = this.options;
    let committed;
    try {
      committed = await store.applySystemChange(taskId, (task, now) => {
        const offer = task.handover;
        if (!offer || offer.alertedAt !== null || isClosed(task)) return null;
        if (Date.parse(offer.offeredAt) + acceptMinutes * 60_000 > Date.parse(now)) return null;
        return {
          task: { ...task, handover: { ...offer, alertedAt: now } },
          change: 'handover-overdue',
          detail: offer.to.id,
        };
      });
    } catch (error) {
      // The store is unreachable for now: look again at the next wake-up rather than lose the alert.
      this.dueAt.set(taskId, this.options.clock.now().getTime());
      logger.warn({ taskId, err: (error as Error).message }, 'handover alert not recorded; will retry');
      return;
    }
    if (!committed?.task.handover) return;
    const alert = handoverAlert(committed.task);
    logger.info({ taskId, alertId: alert.id }, 'handover not accepted in time');
    deliver({ alert, tasks: [committed.task] });
  }
}

/** The alert for an offer that waited too long (the payload HANDOFFS.md HO7 shows). */
export function handoverAlert(task: Task): Alert {
  const offer = task.handover!;
  const at = offer.alertedAt ?? task.updatedAt;
  return {
    id: `${task.id}:handover:${offer.offeredAt}`,
    kind: 'handover',
    taskIds: [task.id],
    unit: task.unit,
    level: 1,
    repeats: 0,
    targetRole: 'ChargeNurse',
    scope: 'unit',
    priority: task.priority,
    title: task.title,
    bed: task.patient?.bed ?? null,
    at,
    nextAt: null,
    handover: {
      from: offer.from,
      to: offer.to,
      offeredAt: offer.offeredAt,
      waitedMinutes: Math.max(0, Math.floor((Date.parse(at) - Date.parse(offer.offeredAt)) / 60_000)),
    },
  };
}
