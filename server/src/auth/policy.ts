import type { Principal, Role } from '../../../src/domain/principal';

/**
 * Authorization for the relay's entry points, in one place: every HTTP route and the hub's connect ask
 * `authorize(principal, permission)` and nothing else decides who may come in.
 *
 * What it does NOT decide: which tasks someone sees and what they may do to a task. Those are
 * `visibleTo(task, principal)` and `decide(task, command, actor, now)` in src/domain, the same functions
 * the PWA runs, so the relay and the optimistic view never disagree. The hub calls them per task.
 */
export const PERMISSIONS = [
  'events.ingest',
  'staff.read',
  'staff.write',
  'worklist.connect',
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type PolicyDecision = { ok: true } | { ok: false; code: 'forbidden'; message: string };

/** Extra facts some permissions look at. */
export interface PolicyContext {
  /** The tenant of the staff entry being read or changed: admins manage their own tenant only. */
  tenantId?: string;
}

interface Rule {
  roles: readonly Role[];
  /** Completes "… may not <doing>", in words a ward manager understands. */
  doing: string;
}

const PEOPLE: readonly Role[] = ['Nurse', 'ChargeNurse', 'Coordinator', 'Supervisor', 'Admin'];

const RULES: Record<Permission, Rule> = {
  // Integration accounts only: a person's token must not be able to inject tasks.
  'events.ingest': { roles: ['Ingest'], doing: 'send events into the worklist' },
  // House supervisors staff the whole hospital at night: they may look, not edit.
  'staff.read': { roles: ['Admin', 'Supervisor'], doing: 'see the staff directory' },
  'staff.write': { roles: ['Admin'], doing: 'change unit assignments in the staff directory' },
  // Any person may open the worklist (visibleTo decides what they see in it); integration accounts may not.
  'worklist.connect': { roles: PEOPLE, doing: 'open the worklist' },
  // Who looked at which patient's work: for the people who answer for it (docs/SECURITY.md A7).
  'audit.read': { roles: ['Admin', 'Supervisor'], doing: 'read the access audit' },
};

export function authorize(
  principal: Principal,
  permission: Permission,
  context: PolicyContext = {},
): PolicyDecision {
  const rule = RULES[permission];
  const byRole = requireRole(principal, rule.roles, rule.doing);
  if (!byRole.ok) return byRole;
  if (context.tenantId !== undefined && context.tenantId !== principal.tenantId) {
    return forbidden(
      `${describe(principal)} may not ${rule.doing} of another organisation (tenant ${context.tenantId}).`,
    );
  }
  return { ok: true };
}

/** The building block: allowed when the principal holds any of `roles`; `doing` words the refusal. */
export function requireRole(principal: Principal, roles: readonly Role[], doing: string): PolicyDecision {
  if (principal.roles.some((r) => roles.includes(r))) return { ok: true };
  const needed = roles.length === 1 ? `the ${roles[0]} role` : `one of the roles ${roles.join(', ')}`;
  return forbidden(`${describe(principal)} may not ${doing}: that needs ${needed}.`);
}

function describe(principal: Principal): string {
  const name = principal.name || principal.id;
  return principal.roles.length > 0 ? `${name} (${principal.roles.join(', ')})` : name;
}

function forbidden(message: string): PolicyDecision {
  return { ok: false, code: 'forbidden', message };
}
