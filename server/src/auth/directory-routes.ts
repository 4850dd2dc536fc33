import { z } from 'zod';
import { readJsonBody, sendJson } from '../http/json';
import { sendError } from '../http/errors';
import type { Router } from '../http/router';
import type { RequestGuard } from './authenticate';
import type { StaffDirectory, StaffEntry } from './directory';

/** A unit name as wards write them: `4W`, `5E`, `ICU`, `Day Surgery`. */
const UnitName = z
  .string()
  .trim()
  .min(1, 'A unit name cannot be empty.')
  .max(32, 'A unit name is at most 32 characters.')
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u,
    'A unit name is letters, digits, spaces, dots, dashes or underscores.',
  );

export const StaffUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    units: z.array(UnitName).max(50, 'At most 50 units per person.'),
  })
  .strict();
export type StaffUpdate = z.infer<typeof StaffUpdate>;

/** Path segments are ids, never free text: GUIDs in Entra, short slugs for the demo staff. */
const Id = z.string().regex(/^[\w.-]{1,128}$/);

/** The staff directory body is a few hundred bytes; 16 KB leaves room and nothing more. */
const BODY_LIMIT_BYTES = 16 * 1024;

export interface DirectoryRouteDeps {
  directory: StaffDirectory;
  guard: RequestGuard;
}

/**
 * `GET /api/staff` (Admin, Supervisor) lists the caller's tenant; `PUT /api/staff/:tenantId/:objectId`
 * (Admin) sets someone's units, `{ name?, units }`. Changes apply to that person's next request.
 */
export function registerDirectoryRoutes(router: Router, { directory, guard }: DirectoryRouteDeps): void {
  router.get('/api/staff', async (req, res) => {
    const principal = await guard(req, res, 'staff.read');
    if (!principal) return;
    sendJson(res, 200, { staff: (await directory.list(principal.tenantId)).map(toWire) });
  });

  router.put('/api/staff/:tenantId/:objectId', async (req, res, params) => {
    const tenantId = params.tenantId ?? '';
    const objectId = params.objectId ?? '';
    const principal = await guard(req, res, 'staff.write', { context: { tenantId } });
    if (!principal) return;
    if (!Id.safeParse(tenantId).success || !Id.safeParse(objectId).success) {
      sendError(res, 'invalid', 'The tenant id and object id must be ids (letters, digits, dots, dashes).');
      return;
    }
    const body = await readJsonBody(req, BODY_LIMIT_BYTES);
    if (!body.ok) {
      sendError(res, body.code, body.reason);
      return;
    }
    const parsed = StaffUpdate.safeParse(body.value);
    if (!parsed.success) {
      sendError(res, 'invalid', describeIssues(parsed.error));
      return;
    }
    const update = parsed.data;
    const entry = await directory.setUnits(tenantId, objectId, {
      units: update.units,
      by: principal.id,
      ...(update.name !== undefined ? { name: update.name } : {}),
    });
    sendJson(res, 200, toWire(entry));
  });
}

function toWire(entry: StaffEntry) {
  return {
    tenantId: entry.tenantId,
    objectId: entry.objectId,
    name: entry.name,
    roles: entry.roles,
    units: entry.units,
    unitsSource: entry.unitsSource,
    firstSeenAt: entry.firstSeenAt,
    updatedAt: entry.updatedAt,
    updatedBy: entry.updatedBy,
  };
}

/** One sentence per problem, naming the field: `units[1]: A unit name cannot be empty.` */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join(' ');
}
