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
  SYSTEM,
} from '../../../src/domain';
import type { Logger } from '../log';
import type { CommittedChange, SystemChange, WorklistStore } from '../store/contract';
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
   * For each task, the bed's assigned nurse if an alert can reach her now (docs/ASSIGNMENTS.md AS13);
   * without one, a level targeting `AssignedNurse` is skipped and the next level fires at once. Asked
   * once per round for every task of the round that needs it.
   */
  assignedNurses?: (tasks: Task[]) => Promise<ReadonlyMap<string, StaffRef | null>>;
}

/**
 * A wall-clock change or a lost timer must never delay an escalation for long: the scheduler wakes at
 * least this often even when the next deadline is far away.
 */
const MAX_SLEEP_MS = 60_000;
/**
 * Due tasks are fired in batches, each one transaction. Small, because from the first firing's seq to
 * commit the change stream waits for the batch (ST1): 25 firings hold it for a few milliseconds.
 */
const BATCH = 25;
/** How soon to look again at due rows another relay (or a writer) held. */
const RECHECK_MS = 250;
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

  /**
   * Fires every level due by now, then sleeps until the next deadline. Every relay runs this on the
   * same rows (docs/STORE.md CL5): each round takes due tasks no other relay holds, decides and writes
   * them in one transaction, so each (task, level, repeat) fires once whoever is alive.
   */
  async runDue(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    let next: number | null;
    try {
      const { store, clock } = this.options;
      // A task that stays due with nothing to change, or that a writer holds, is not taken again in
      // this run: a run cannot spin on it.
      const leave = new Set<string>();
      // The assigned nurse of a task whose due level targets her, looked up outside any transaction
      // (nothing waits inside one): decide() leaves such a task the first time it meets it, one
      // lookup runs for all of the round's (an arrival burst is hundreds: one query per task made
      // them seconds late on PostgreSQL), and the next round takes them again with the answer (AS13).
      const nurses = new Map<string, StaffRef | null>();
      let lookAgainSoon = false;
      let offsetMs = 0;
      for (;;) {
        if (this.stopped) return;
        const firings = new Map<string, Omit<Firing, 'task'>>();
        const needNurse = new Map<string, Task>();
        const round = await store.takeDueEscalations(
          (task, now) => this.decide(task, now, firings, nurses, needNurse),
          BATCH,
          [...leave],
        );
        for (const id of [...round.unchanged, ...round.busy]) if (!needNurse.has(id)) leave.add(id);
        if (needNurse.size > 0) {
          const found = await this.options.assignedNurses?.([...needNurse.values()]);
          for (const id of needNurse.keys()) nurses.set(id, found?.get(id) ?? null);
        }
        for (const { task } of round.committed) leave.add(task.id);
        if (round.busy.length > 0) {
          lookAgainSoon = true;
          continue;
        }
        // The database's clock decides what is due; timers run on this relay's clock.
        offsetMs = Date.parse(round.now) - clock.now().getTime();
        for (const committed of round.committed) {
          const fired = firings.get(committed.task.id);
          if (fired) this.report({ ...fired, task: committed.task });
        }
        if (round.committed.length + round.unchanged.length === 0) break;
      }
      const at = await store.nextEscalationAt();
      next = at === null ? null : Date.parse(at) - offsetMs;
      // Still due but not ours to take (another relay holds it, or a writer did): look again shortly —
      // a frozen holder's rows come free when the database ends its session (CL6).
      const soon = clock.now().getTime() + RECHECK_MS;
      if (
        (lookAgainSoon || (next !== null && next <= clock.now().getTime())) &&
        (next === null || next < soon)
      )
        next = soon;
    } catch (error) {
      // The store is unreachable (a lost PostgreSQL connection): try again shortly, nothing is lost —
      // the deadlines are in the store and fire late, once, at the level they have reached.
      this.options.logger.warn({ err: errorName(error) }, 'escalation run failed; retrying');
      this.schedule(this.options.clock.now().getTime() + RETRY_AFTER_STORE_FAILURE_MS);
      return;
    } finally {
      this.running = false;
    }
    this.schedule(next);
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

  /** The firing this relay wrote: logged, and handed on (metrics, Web Push) by this relay alone. */
  private report(fired: Firing): void {
    this.options.logger.info(
      {
        taskId: fired.task.id,
        level: fired.level,
        repeats: fired.repeats,
        targetRole: fired.target.role,
        lagMs: fired.lagMs,
      },
      'escalation fired',
    );
    this.options.onFired(fired);
  }

  /** What the timer does to one due task (pure; runs inside the store's transaction). */
  private decide(
    task: Task,
    now: string,
    firings: Map<string, Omit<Firing, 'task'>>,
    nurses: ReadonlyMap<string, StaffRef | null>,
    needNurse: Map<string, Task>,
  ): SystemChange | null {
    const deadline = task.escalation.nextAt;
    const policy = policyFor(task, this.options.policies);
    if (!policy) return reschedule(task, null, 'escalation-cleared');
    const state = escalationState(task, policy, now);
    if (state.stopped) return reschedule(task, null, 'escalation-stopped');
    // A person may already have escalated this far by hand: the timer then only moves the deadline.
    if (firingsOf(state) <= firingsOf(task.escalation))
      return reschedule(task, state.nextAt, 'escalation-rescheduled');
    // AS13: a level for the assigned nurse with no nurse to reach starts the chain at the next one.
    let reached = state;
    let nurse: StaffRef | null = null;
    if (levelAt(policy, state.level)?.target.role === 'AssignedNurse') {
      if (!nurses.has(task.id)) {
        needNurse.set(task.id, task);
        return null;
      }
      nurse = nurses.get(task.id) ?? null;
      if (!nurse) {
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
    }
    const level = levelAt(policy, reached.level);
    if (!level) return null;
    const which =
      reached.repeats > 0 ? `level ${reached.level} (repeat ${reached.repeats})` : `level ${reached.level}`;
    firings.set(task.id, {
      level: reached.level,
      repeats: reached.repeats,
      target: level.target,
      policyId: policy.id,
      lagMs: deadline ? Math.max(0, Date.parse(now) - Date.parse(deadline)) : 0,
      ...(level.target.role === 'AssignedNurse' && nurse ? { recipients: [nurse.id] } : {}),
    });
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
  }
}

/**
 * The firing a committed change records, for relays that did not write it: every relay delivers hub
 * alerts to its own connections from the change (CL5), so a charge nurse on relay B hears relay A's
 * timer. Null for anything but a timer's firing (a person escalating by hand is not an alert).
 */
export function firingOfChange(
  change: CommittedChange,
  policies: readonly EscalationPolicy[],
): Firing | null {
  if (change.change !== 'escalated' || change.actorId !== SYSTEM.id) return null;
  const { task } = change;
  const policy = policyFor(task, policies);
  const level = policy ? levelAt(policy, task.escalation.level) : undefined;
  if (!policy || !level) return null;
  const deadline = change.previous?.escalation.nextAt ?? null;
  const firedAt = task.escalation.lastAt;
  return {
    task,
    level: task.escalation.level,
    repeats: task.escalation.repeats,
    target: level.target,
    policyId: policy.id,
    lagMs: deadline && firedAt ? Math.max(0, Date.parse(firedAt) - Date.parse(deadline)) : 0,
  };
}

function reschedule(task: Task, nextAt: string | null, change: string): SystemChange | null {
  if (task.escalation.nextAt === nextAt) return null;
  const next = nextAt === null ? null : task.escalation.next;
  return { task: { ...task, escalation: { ...task.escalation, nextAt, next } }, change };
}
