import { z } from 'zod';

/**
 * App roles as they arrive in the Entra `roles` claim. `Ingest` is for integration accounts
 * (interface engines, Logic Apps), never for people.
 */
export const ROLES = ['Nurse', 'ChargeNurse', 'Coordinator', 'Supervisor', 'Admin', 'Ingest'] as const;
/** A role a person can hold (a token or the directory names it). */
export type StaffRole = (typeof ROLES)[number];
/**
 * Staff roles, plus `AssignedNurse`: an escalation target meaning "the nurse assigned to the task's bed
 * this shift" (docs/ASSIGNMENTS.md). Nobody holds it: tokens and the directory keep only `ROLES`.
 */
export const Role = z.enum([...ROLES, 'AssignedNurse']);
export type Role = z.infer<typeof Role>;

/**
 * Who is asking. The relay builds it from a validated token (tid, oid, name, roles) plus the staff
 * directory (units); the PWA receives the same shape from the relay. Units come from the directory,
 * never from the token, so a move at shift change takes effect on the next request.
 */
export const Principal = z.object({
  /** Stable staff id: the Entra object id (`oid`). */
  id: z.string().min(1),
  tenantId: z.string().min(1),
  name: z.string(),
  roles: z.array(Role),
  units: z.array(z.string()),
});
export type Principal = z.infer<typeof Principal>;

export function hasRole(principal: Pick<Principal, 'roles'>, ...roles: Role[]): boolean {
  return principal.roles.some((r) => roles.includes(r));
}

export function isMemberOf(principal: Pick<Principal, 'units'>, unit: string): boolean {
  return principal.units.includes(unit);
}
