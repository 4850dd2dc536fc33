import { describe, expect, it } from 'vitest';
import { authorize, PERMISSIONS, requireRole, type Permission } from '../../server/src/auth';
import { ROLES, type Principal, type Role } from '../../src/domain/principal';

const TENANT = '11111111-2222-4333-8444-555555555555';

function principal(role: Role): Principal {
  return { id: `oid-${role}`, tenantId: TENANT, name: `Demo ${role}`, roles: [role], units: ['4W'] };
}

/** Who may come through each relay entry point; every other cell is forbidden. */
const ALLOWED: Record<Permission, readonly Role[]> = {
  'events.ingest': ['Ingest'],
  'staff.read': ['Admin', 'Supervisor'],
  'staff.write': ['Admin'],
  'worklist.connect': ['Nurse', 'ChargeNurse', 'Coordinator', 'Supervisor', 'Admin'],
  'audit.read': ['Admin', 'Supervisor'],
};

describe('authorize: every role × every relay permission', () => {
  const cells = PERMISSIONS.flatMap((permission) => ROLES.map((role) => [permission, role] as const));
  it.each(cells)('%s by %s', (permission, role) => {
    const decision = authorize(principal(role), permission);
    if (ALLOWED[permission].includes(role)) {
      expect(decision).toEqual({ ok: true });
    } else {
      expect(decision).toMatchObject({ ok: false, code: 'forbidden' });
    }
  });
});

describe('authorize: refusals a person understands', () => {
  it('names who, what and the role it needs', () => {
    expect(authorize(principal('Nurse'), 'events.ingest')).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'Demo Nurse (Nurse) may not send events into the worklist: that needs the Ingest role.',
    });
  });

  it('lists the roles when several would do', () => {
    const decision = authorize(principal('Ingest'), 'worklist.connect');
    expect(decision.ok).toBe(false);
    if (!decision.ok)
      expect(decision.message).toContain(
        'one of the roles Nurse, ChargeNurse, Coordinator, Supervisor, Admin',
      );
  });

  it('refuses an admin acting on another tenant', () => {
    const decision = authorize(principal('Admin'), 'staff.write', {
      tenantId: '99999999-8888-4777-8666-555555555555',
    });
    expect(decision).toMatchObject({ ok: false, code: 'forbidden' });
    expect(authorize(principal('Admin'), 'staff.write', { tenantId: TENANT })).toEqual({ ok: true });
  });

  it('a principal with several roles passes when any one of them is enough', () => {
    const both: Principal = { ...principal('Nurse'), roles: ['Nurse', 'Admin'] };
    expect(authorize(both, 'staff.write')).toEqual({ ok: true });
  });
});

describe('requireRole', () => {
  it('allows any of the roles and words the refusal with the action', () => {
    expect(requireRole(principal('ChargeNurse'), ['ChargeNurse', 'Supervisor'], 'silence an alarm')).toEqual({
      ok: true,
    });
    expect(requireRole(principal('Nurse'), ['ChargeNurse'], 'silence an alarm')).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'Demo Nurse (Nurse) may not silence an alarm: that needs the ChargeNurse role.',
    });
  });
});
