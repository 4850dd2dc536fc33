import {
  chainOutlook,
  escalationState,
  firingsOf,
  levelAt,
  levelDueAt,
  policyFor,
  type StaffRef,
  type EscalationLevel,
  type EscalationPolicy,
  type Task,
} from '../../../src/domain';
import type { Logger } from '../log';
import type { SystemChange, WorklistStore } from '../store/contract';
import type { Clock } from './clock';

/** One level of a task's chain firing: who is to be told, about which task. */
export interface Firing {
  task: Task;
  /** The chain level that fired, and how many times it has repeated (E2). */
  level: number;
  repeats: number;
  target: EscalationLevel['target'];
  policyId: string;
  /** How late the firing is against its deadline, in ms: the escalation timer lag. */
  lagMs: number;
  /** For a level that targets a person (the bed's assigned nurse): her staff id, the only one told. */
  recipients?: string[];
}

export interface SchedulerOptions {
  store: WorklistStore;
  policies: readonly EscalationPolicy[];
  clock: Clock;
  logger: Logger;
  onFired: (firing: Firing) => void;
  /**
   * The bed's assigned nurse if an alert can reach her now (docs/ASSIGNMENTS.md AS13); without one, a
   * level targeting `AssignedNurse` is skipped and the next level fires at once.
   */
  assignedNurse?: (taskId: string) => Promise<StaffRef | null>;
}

/**
 * A wall-clock change or a lost timer must never delay an escalation for long: the scheduler wakes at
 * least this often even when the next deadline is far away.
 */
const MAX_SLEEP_MS = 60_000;
/** Due tasks are fired in batches, each its own transaction, so a backlog never blocks the relay. */
const BATCH = 200;
/** After the store failed a run (PostgreSQL unreachable), the next try. */
const RETRY_AFTER_STORE_FAILURE_MS = 2_000;

function errorName(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'NonError', message: '' };
}

/**
 * Durable escalation timers. Each task's next deadline is a column in the store (`next_escalation_at`);
 * one timer sleeps until the earliest. On start, whatever came due while the relay was down fires once,
 * at once, at the level it has reached (one alert, not a burst). Each firing is a change in the audit
 * trail and an outbound `wardline.task.escalated` event, written in one transaction.
 */
export class EscalationScheduler {
  private timer: unknown = null;
  private wakeAt: number | null = null;
  private running = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  /** Resolves once what came due while the relay was down has fired (or the store refused). */
  start(): Promise<void> {
    this.stopped = false;
    // A change can bring a deadline forward (a new stat result): wake earlier when it does.
    this.unsubscribe = this.options.store.onCommitted(({ task }) => {
      const next = task.escalation.nextAt;
      if (next && (this.wakeAt === null || Date.parse(next) < this.wakeAt)) this.schedule(Date.parse(next));
    });
    return this.runDue();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    this.wakeAt = null;
  }

  /** Fires every level due by now, then sleeps until the next deadline. */
  async runDue(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    let next: string | null;
    try {
      const { store, clock } = this.options;
      // Each due task is looked at once per run: a task that stays due (nothing to change) cannot spin.
      const seen = new Set<string>();
      for (;;) {
        if (this.stopped) return;
        const due = await store.dueEscalations(clock.now().toISOString(), BATCH);
        const ids = due.filter((id) => !seen.has(id));
        for (const id of ids) {
          seen.add(id);
          await this.fire(id);
        }
        if (ids.length === 0) break;
      }
      next = await store.nextEscalationAt();
    } catch (error) {
      // The store is unreachable (a lost PostgreSQL connection): try again shortly, nothing is lost —
      // the deadlines are in the store and fire late, once, at the level they have reached.
      this.options.logger.warn({ err: errorName(error) }, 'escalation run failed; retrying');
      this.schedule(this.options.clock.now().getTime() + RETRY_AFTER_STORE_FAILURE_MS);
      return;
    } finally {
      this.running = false;
    }
    this.schedule(next ? Date.parse(next) : null);
  }

  private schedule(at: number | null): void {
    if (this.stopped) return;
    const { clock } = this.options;
    if (this.timer !== null) clock.clearTimer(this.timer);
    const now = clock.now().getTime();
    const delay = at === null ? MAX_SLEEP_MS : Math.max(0, Math.min(MAX_SLEEP_MS, at - now));
    this.wakeAt = now + delay;
    this.timer = clock.setTimer(() => {
      this.timer = null;
      this.wakeAt = null;
      return this.runDue();
    }, delay);
  }

  private async fire(taskId: string): Promise<void> {
    const { store, policies, logger, onFired } = this.options;
    let firing: Omit<Firing, 'task'> | null = null;
    // Looked up before the transaction: nothing waits inside one.
    const nurse = this.options.assignedNurse ? await this.options.assignedNurse(taskId) : null;
    const committed = await store.applySystemChange(taskId, (task, now): SystemChange | null => {
      const deadline = task.escalation.nextAt;
      const policy = policyFor(task, policies);
      if (!policy) return reschedule(task, null, 'escalation-cleared');
      const state = escalationState(task, policy, now);
      if (state.stopped) return reschedule(task, null, 'escalation-stopped');
      // A person may already have escalated this far by hand: the timer then only moves the deadline.
      if (firingsOf(state) <= firingsOf(task.escalation))
        return reschedule(task, state.nextAt, 'escalation-rescheduled');
      // AS13: a level for the assigned nurse with no nurse to reach starts the chain at the next one.
      let reached = state;
      if (levelAt(policy, state.level)?.target.role === 'AssignedNurse' && !nurse) {
        const skipTo = state.level + 1;
        if (!levelAt(policy, skipTo) || skipTo > policy.levels.length) return null;
        const after = levelDueAt(task, policy, skipTo + 1);
        reached = {
          ...state,
          level: skipTo,
          repeats: 0,
          nextAt: after === null ? null : new Date(after).toISOString(),
        };
      }
      const level = levelAt(policy, reached.level);
      if (!level) return null;
      const which =
        reached.repeats > 0 ? `level ${reached.level} (repeat ${reached.repeats})` : `level ${reached.level}`;
      firing = {
        level: reached.level,
        repeats: reached.repeats,
        target: level.target,
        policyId: policy.id,
        lagMs: deadline ? Math.max(0, Date.parse(now) - Date.parse(deadline)) : 0,
        ...(level.target.role === 'AssignedNurse' && nurse ? { recipients: [nurse.id] } : {}),
      };
      return {
        task: {
          ...task,
          escalation: {
            ...chainOutlook(reached, policy, reached.nextAt === null),
            level: reached.level,
            repeats: reached.repeats,
            nextAt: reached.nextAt,
            lastAt: now,
            reason: `${policy.id} ${which}`,
          },
        },
        change: 'escalated',
        detail: `${which}: ${level.target.role} (${level.target.scope})`,
        upstream: 'escalated',
      };
    });
    const fired = firing as Omit<Firing, 'task'> | null;
    if (committed && fired) {
      logger.info(
        {
          taskId,
          level: fired.level,
          repeats: fired.repeats,
          targetRole: fired.target.role,
          lagMs: fired.lagMs,
        },
        'escalation fired',
      );
      onFired({ ...fired, task: committed.task });
    }
  }
}

function reschedule(task: Task, nextAt: string | null, change: string): SystemChange | null {
  if (task.escalation.nextAt === nextAt) return null;
  const next = nextAt === null ? null : task.escalation.next;
  return { task: { ...task, escalation: { ...task.escalation, nextAt, next } }, change };
}
