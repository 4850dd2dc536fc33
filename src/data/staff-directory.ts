import { z } from 'zod';
import type { TokenSource } from './auth/token-source';

/**
 * The relay's staff directory for an admin (`GET /api/staff`, `PUT /api/staff/:tenant/:id`,
 * docs/SECURITY.md) and one person's access log (`GET /api/audit/access?staff=<id>`). Fetched with the
 * bearer header; nothing here is stored on the device.
 */

export const StaffMember = z.object({
  tenantId: z.string(),
  objectId: z.string(),
  name: z.string(),
  /** Absent from relays before issue 16. */
  roles: z.array(z.string()).default([]),
  units: z.array(z.string()),
  unitsSource: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type StaffMember = z.infer<typeof StaffMember>;

export const AccessLine = z.object({
  id: z.string(),
  at: z.string(),
  staffId: z.string(),
  taskId: z.string(),
  patientRef: z.string().nullable(),
  unit: z.string().nullable(),
  view: z.string(),
  device: z.string(),
  mode: z.string(),
});
export type AccessLine = z.infer<typeof AccessLine>;

const ErrorBody = z.object({ error: z.object({ message: z.string() }) });

/** A refusal or failure, with the relay's own sentence when it gave one. */
export class DirectoryError extends Error {}

async function call(tokens: TokenSource, path: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: {
        authorization: `Bearer ${await tokens.getAccessToken()}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      cache: 'no-store',
    });
  } catch {
    throw new DirectoryError('Wardline is not reachable. Check the connection and try again.');
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return body;
  const parsed = ErrorBody.safeParse(body);
  throw new DirectoryError(parsed.success ? parsed.data.error.message : `The relay answered ${res.status}.`);
}

export async function fetchStaff(tokens: TokenSource): Promise<StaffMember[]> {
  const body = z.object({ staff: z.array(StaffMember) }).parse(await call(tokens, '/api/staff'));
  return body.staff;
}

/** Sets a person's units; their open connections follow at once (docs/HUB.md H5). */
export async function setUnits(
  tokens: TokenSource,
  member: StaffMember,
  units: string[],
): Promise<StaffMember> {
  const path = `/api/staff/${encodeURIComponent(member.tenantId)}/${encodeURIComponent(member.objectId)}`;
  return StaffMember.parse(await call(tokens, path, { method: 'PUT', body: JSON.stringify({ units }) }));
}

export async function fetchAccessLog(tokens: TokenSource, staffId: string): Promise<AccessLine[]> {
  const body = z
    .object({ records: z.array(AccessLine) })
    .parse(await call(tokens, `/api/audit/access?staff=${encodeURIComponent(staffId)}`));
  return body.records;
}
