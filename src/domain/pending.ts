import type { Command } from './commands';
import { decide } from './decide';
import type { Principal } from './principal';
import type { Task } from './task';

/** A staff action the relay has not confirmed yet. */
export interface PendingAction {
  command: Command;
}

/**
 * What the screen shows: the relay's confirmed task with the caller's own unconfirmed actions replayed
 * on top, in order, through the same `decide` the relay runs (STYLE #6). Confirmed rows are never
 * edited; when the relay's version arrives, whatever is still pending is simply re-applied to it. An
 * action that would be refused now is skipped here (the relay will say why).
 */
export function applyPending(
  confirmed: Task,
  pending: readonly PendingAction[],
  me: Principal,
  timeZone?: string,
  /**
   * The colleague a `reassign` or `handover.offer` names, as the device knows them (the colleagues list,
   * `principalOfColleague`); without it those two wait for the relay's answer to show.
   */
  colleague?: (id: string) => Principal | null,
): Task {
  let task = confirmed;
  for (const { command } of pending) {
    if (command.taskId !== task.id) continue;
    const assignee = namesColleague(command) && colleague ? colleague(namedId(command.payload)) : null;
    const decision = decide(task, command, me, command.issuedAt, {
      ...(timeZone ? { timeZone } : {}),
      assignee,
    });
    if (decision.status === 'applied' && decision.task) task = decision.task;
  }
  return task;
}

function namesColleague(command: Command): boolean {
  return command.type === 'reassign' || command.type === 'handover.offer';
}

function namedId(payload: unknown): string {
  const id = (payload as { to?: { id?: unknown } } | null | undefined)?.to?.id;
  return typeof id === 'string' ? id : '';
}
