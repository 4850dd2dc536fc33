import { ColleaguesResponse, type Colleague } from '../domain';
import type { TokenSource } from './auth/token-source';

/**
 * A colleague on a unit as the relay's `GET /api/colleagues?unit=…` describes her (docs/HANDOFFS.md
 * HO10): who she is, what she may work, whether she is on shift now and how much she already holds.
 * Never patient data; read when a picker opens and kept in memory only, never in the device database.
 */
export type { Colleague };

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
  return ColleaguesResponse.parse(await res.json()).colleagues;
}
