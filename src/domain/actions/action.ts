import type { z } from 'zod';
import type { ActionType } from '../commands';
import type { Principal } from '../principal';
import type { Rejection } from '../results';
import type { Task } from '../task';

/** What an action may tell upstream (the outbound topic's event types, without the prefix). */
export type UpstreamEvent =
  | 'claimed'
  | 'released'
  | 'acknowledged'
  | 'started'
  | 'resolved'
  | 'escalated'
  | 'exception.resolved'
  | 'handover.offered'
  | 'handover.accepted'
  | 'handover.declined'
  | 'handover.withdrawn';

export interface ActionContext {
  /** The relay's clock (or the device's, for the optimistic view), ISO 8601. */
  now: string;
  /** The hospital's time zone, for times in messages. */
  timeZone: string;
  /** For `reassign` and `handover.offer`: the person named in the payload, as the relay's directory knows them. */
  assignee?: Principal | null;
}

/** An applied action: the new task, or the same task when nothing needed to change. */
export interface Applied {
  status: 'applied';
  task: Task;
  /** A short name for the audit trail (`claimed`, `item-done`), or null when repeating it changed nothing. */
  change: string | null;
  /** Words for the audit trail beyond the change name: an override reason, a hold reason (never logged). */
  detail?: string | null;
  upstream?: UpstreamEvent | null;
}

export type Outcome = Applied | Rejection;

/**
 * One object per intent: the payload contract, and a pure apply that checks the semantic preconditions
 * and role rules. Visibility, closed tasks and the version bump are handled once, in `decide`.
 */
export interface ActionDefinition<P = unknown> {
  type: ActionType;
  payload: z.ZodType<P>;
  /** Actions that may still be taken on a completed or cancelled task. */
  allowedWhenClosed?: boolean;
  /**
   * On a closed task: true when this command only repeats what closed it (the same person resolving it
   * the same way again), so `decide` answers it as an applied no-op instead of `closed`.
   */
  repeatsClosing?(task: Task, payload: P, actor: Principal): boolean;
  apply(task: Task, payload: P, actor: Principal, ctx: ActionContext): Outcome;
}

export function defineAction<P>(definition: ActionDefinition<P>): ActionDefinition<P> {
  return definition;
}

export function staffRef(principal: Principal): { id: string; name: string } {
  return { id: principal.id, name: principal.name };
}

/**
 * The task now held by `person` from `now`: what claiming, reassigning, accepting a handover and
 * acknowledging unowned work all do to it. Queue work (`requested`) becomes `accepted`; work already
 * under way keeps its status.
 */
export function ownedBy(task: Task, person: Principal, now: string): Task {
  return {
    ...task,
    owner: staffRef(person),
    claimedAt: now,
    status: task.status === 'requested' ? 'accepted' : task.status,
  };
}

export function unchanged(task: Task): Applied {
  return { status: 'applied', task, change: null };
}
