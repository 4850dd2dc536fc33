import { hasRole, isMemberOf, type Principal, type Role } from './principal';
import type { Task } from './task';

/** Kinds a coordinator works on: the discharge pipeline and the human-review exception queue. */
const COORDINATOR_KINDS: readonly Task['kind'][] = ['discharge', 'exception'];

type TaskScope = Pick<Task, 'unit' | 'kind' | 'candidateRoles' | 'owner'>;

/**
 * Who sees what — the one function used by sync, the hub's fan-out, the HTTP API and the PWA.
 * - Nurses: their units' work routed to nurses, and whatever they own.
 * - Charge nurses and house supervisors: everything on their units (escalations included).
 * - Coordinators: discharge work and exceptions on their units, work routed to coordinators, what they own.
 * - Admin and Ingest accounts see no patient work at all (least privilege).
 * Of the principal it reads only the id (owner), the units and the roles: the hub's fan-out asks it
 * once per (unit, roles) audience (server/src/hub/audience.ts). Reading anything else about the
 * principal means changing that index too.
 */
export function visibleTo(task: TaskScope, principal: Principal): boolean {
  if (task.owner?.id === principal.id) return true;
  if (!isMemberOf(principal, task.unit)) return false;
  if (hasRole(principal, 'ChargeNurse', 'Supervisor')) return true;
  if (hasRole(principal, 'Coordinator') && COORDINATOR_KINDS.includes(task.kind)) return true;
  return isCandidate(task, principal);
}

/**
 * Roles that carry patient work. Admin and Ingest never do, even if upstream routes a task to them
 * (the inbound contract accepts any role), so that least privilege does not hang on the feed's data.
 */
const WORK_ROLES: readonly Role[] = ['Nurse', 'ChargeNurse', 'Coordinator', 'Supervisor'];

/** Routed to one of the caller's (clinical) roles on one of the caller's units. */
export function isCandidate(task: Pick<Task, 'unit' | 'candidateRoles'>, principal: Principal): boolean {
  return (
    isMemberOf(principal, task.unit) &&
    principal.roles.some((role) => WORK_ROLES.includes(role) && task.candidateRoles.includes(role))
  );
}

/**
 * Leads the work on this task's unit: charge nurses and supervisors for everything there, coordinators
 * for discharge work and exceptions. They may reassign, release for others, and resolve others' tasks.
 */
export function leads(task: Pick<Task, 'unit' | 'kind'>, principal: Principal): boolean {
  if (!isMemberOf(principal, task.unit)) return false;
  if (hasRole(principal, 'ChargeNurse', 'Supervisor')) return true;
  return hasRole(principal, 'Coordinator') && COORDINATOR_KINDS.includes(task.kind);
}

/** May do the work itself: a candidate, or someone who leads the unit's work of this kind. */
export function mayWork(task: Pick<Task, 'unit' | 'kind' | 'candidateRoles'>, principal: Principal): boolean {
  return isCandidate(task, principal) || leads(task, principal);
}
