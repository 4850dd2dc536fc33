import { z } from 'zod';
import { Role, type Principal } from '../domain';
import type { TokenSource } from './auth/token-source';

/**
 * A colleague on a unit as the relay's `GET /api/colleagues?unit=…` describes her (docs/HANDOFFS.md):
 * who she is, what she may work, whether she is on shift now and how much she already holds. Never
 * patient data, so it is read when a picker opens and kept in memory only, never in the device database.
 */
export const Colleague = z.object({
  id: z.string().min(1),
  name: z.string(),
  roles: z.array(Role),
  units: z.array(z.string()),
  /** A live connection, or a sign-in within the current shift. */
  onShift: z.boolean(),
  /** Open tasks she owns now. */
  openCount: z.number().int().min(0),
});
export type Colleague = z.infer<typeof Colleague>;

const ColleagueList = z.object({ colleagues: z.array(Colleague) });

/** The unit's colleagues, or a sentence to show when the relay cannot be asked (offline, refused). */
export async function fetchColleagues(
  tokens: TokenSource,
  unit: string,
  signal?: AbortSignal,
): Promise<Colleague[]> {
  const res = await fetch(`/api/colleagues?unit=${encodeURIComponent(unit)}`, {
    headers: { authorization: `Bearer ${await tokens.getAccessToken()}` },
    cache: 'no-store',
    ...(signal ? { signal } : {}),
  });
  if (res.status === 403) throw new Error(`You cannot see who works on ${unit}.`);
  if (!res.ok) throw new Error(`The list of colleagues is unavailable (${res.status}).`);
  return ColleagueList.parse(await res.json()).colleagues;
}

/**
 * The colleague as `decide` needs her for a dry run of `reassign` or `handover.offer` (the relay passes
 * the directory's principal as `assignee`): same id, roles and units; the tenant is the caller's own.
 */
export function asPrincipal(colleague: Colleague, me: Principal): Principal {
  return {
    id: colleague.id,
    tenantId: me.tenantId,
    name: colleague.name,
    roles: colleague.roles,
    units: colleague.units,
  };
}
