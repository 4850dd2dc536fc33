import { hasRole, isMemberOf, visibleTo, HUB_EVENTS, type Principal } from '../../../src/domain';
import type { AlertDelivery } from '../escalation/alerts';
import type { SignalRServer } from '../signalr';
import type { Caller } from './worklist-hub';

/** Whether a person is who an escalation level targets: a role on the task's unit, or hospital-wide. */
export function isAlertTarget(principal: Principal, delivery: AlertDelivery): boolean {
  const { alert, tasks } = delivery;
  // The assigned nurse is a person, not a role: only the nurse the alert names (ASSIGNMENTS.md AS13).
  if (alert.targetRole === 'AssignedNurse') {
    if (!delivery.recipients?.includes(principal.id)) return false;
  } else if (!hasRole(principal, alert.targetRole as Principal['roles'][number])) return false;
  if (alert.scope === 'unit' && !isMemberOf(principal, alert.unit)) return false;
  // Never more than they may see: an alert names tasks, so every recipient must see at least one.
  return tasks.some((task) => visibleTo(task, principal));
}

/** Sends `alert` to every live connection of the targeted people; returns how many got it. */
export function sendAlert(hub: SignalRServer<Caller>, delivery: AlertDelivery): number {
  return hub.sendWhere((c) => isAlertTarget(c.caller.principal, delivery), HUB_EVENTS.alert, delivery.alert);
}
