import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffRole as Role } from '../../src/domain';
import { routed } from '../helpers/events';
import { connectAs, type WorklistClient } from '../helpers/hub-client';
import { devToken, postEvents, startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * Least privilege, cell by cell: every role × own unit / other unit × read / claim / acknowledge /
 * resolve / reassign / admin. Allowed cells succeed; every other cell is 403 (HTTP, hub connect) or
 * `forbidden` (a hub action).
 */
const ACTOR: Record<Role, string> = {
  Nurse: 'nurse-okafor',
  ChargeNurse: 'charge-4w-marchbank',
  Coordinator: 'coordinator-sorrel',
  Supervisor: 'supervisor-achterberg',
  Admin: 'admin-demo',
  Ingest: 'integration-engine',
};
const OPERATIONS = ['read', 'claim', 'acknowledge', 'resolve', 'reassign', 'admin'] as const;
type Operation = (typeof OPERATIONS)[number];

// Written out, not derived: ✓ allowed, ✗ refused. Own unit is 4W for everyone placed on it.
// Coordinators acknowledge results? No: a critical result is nurses' and charge nurses' work, and a
// coordinator does not see it. Supervisors may not reassign (charge nurses and coordinators do).
// prettier-ignore
const EXPECTED: Record<Role, Record<'own' | 'other', Record<Operation, boolean>>> = {
  Nurse:       { own:   { read: true,  claim: true,  acknowledge: true,  resolve: true,  reassign: false, admin: false },
                 other: { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: false } },
  ChargeNurse: { own:   { read: true,  claim: true,  acknowledge: true,  resolve: true,  reassign: true,  admin: false },
                 other: { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: false } },
  Coordinator: { own:   { read: true,  claim: true,  acknowledge: false, resolve: true,  reassign: true,  admin: false },
                 other: { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: false } },
  Supervisor:  { own:   { read: true,  claim: true,  acknowledge: true,  resolve: true,  reassign: false, admin: false },
                 other: { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: false } },
  Admin:       { own:   { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: true },
                 other: { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: true } },
  Ingest:      { own:   { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: false },
                 other: { read: false, claim: false, acknowledge: false, resolve: false, reassign: false, admin: false } },
};

describe('the authorization matrix', () => {
  let relay: TestRelay;
  let adminToken: string;
  let ingestToken: string;
  let n = 0;

  beforeAll(async () => {
    relay = await startTestRelay();
    adminToken = await devToken(relay.url, 'admin-demo');
    ingestToken = await devToken(relay.url, 'integration-engine');
    // Coordinators and supervisors cover every demo unit; narrow them to 4W so "other unit" exists.
    for (const id of ['coordinator-sorrel', 'supervisor-achterberg']) {
      const res = await fetch(`${relay.url}/api/staff/7e57de00-0000-4000-8000-000000000001/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ units: ['4W'] }),
      });
      expect(res.status).toBe(200);
    }
  });
  afterAll(() => relay.stop());

  /** A fresh task for one cell, so cells never see each other's effects. */
  async function taskFor(operation: Operation, unit: string): Promise<string> {
    const id = `cell-${++n}`;
    const event =
      operation === 'acknowledge'
        ? routed(id, 1, {
            unit,
            kind: 'result-ack',
            priority: 'stat',
            candidateRoles: ['Nurse', 'ChargeNurse'],
            checklist: [],
          })
        : routed(id, 1, { unit, checklist: [] });
    expect((await postEvents(relay.url, ingestToken, event)).status).toBe(202);
    return id;
  }

  async function attempt(role: Role, where: 'own' | 'other', operation: Operation): Promise<boolean> {
    if (operation === 'admin') {
      const token = await devToken(relay.url, ACTOR[role]);
      const res = await fetch(
        `${relay.url}/api/staff/7e57de00-0000-4000-8000-000000000001/nurse-brightwater`,
        {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ units: ['4W'] }),
        },
      );
      if (res.status === 200) return true;
      expect(res.status).toBe(403);
      return false;
    }
    const unit = where === 'own' ? '4W' : '5E';
    const taskId = await taskFor(operation, unit);
    let client: WorklistClient;
    try {
      client = await connectAs(relay.url, ACTOR[role]);
    } catch (error) {
      expect(String(error)).toMatch(/403/);
      return false;
    }
    try {
      if (operation === 'read') {
        const view = await client.syncAll(0);
        return view.tasks.has(taskId);
      }
      const result =
        operation === 'reassign'
          ? await client.execute(taskId, 'reassign', { to: { id: 'nurse-brightwater' } })
          : await client.execute(taskId, operation);
      if (result.status === 'applied') return true;
      // Not visible: the same answer as a task that does not exist (docs/SECURITY.md N7); visible but
      // not theirs to do: forbidden.
      expect(['forbidden', 'not-found']).toContain(result.status === 'rejected' && result.code);
      return false;
    } finally {
      await client.stop();
    }
  }

  const cells = (Object.keys(EXPECTED) as Role[]).flatMap((role) =>
    (['own', 'other'] as const).flatMap((where) =>
      OPERATIONS.map((operation) => [role, where, operation, EXPECTED[role][where][operation]] as const),
    ),
  );

  it.each(cells)('%s × %s unit × %s → allowed: %s', async (role, where, operation, allowed) => {
    expect(await attempt(role, where, operation)).toBe(allowed);
  });
});
