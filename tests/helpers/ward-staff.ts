/**
 * Staff beyond the development issuer's eleven demo people, for tests and benchmarks that need a whole
 * hospital's worth of devices on many units (bench:cluster's realistic audience). Production sign-in is
 * untouched: these tokens are signed with the development issuer's own key, read from the relay's data
 * folder (`DATA_DIR/dev-issuer-key.json`, shared by a cluster: CLUSTER.md C3), so the relay validates
 * them exactly as it validates a `/dev/token` answer. Their units are set the way an admin sets them,
 * through `PUT /api/staff/...` with the demo admin's token.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { DEV_API_CLIENT_ID, DEV_API_SCOPE, DEV_TENANT_ID } from '../../server/src/auth/dev-issuer';
import type { Role } from '../../src/domain/principal';
import { devToken } from './relay';

export interface WardStaff {
  /** The token's `oid`; readable (`bench-nurse-W07-3`) so a log line says who it was. */
  id: string;
  role: Exclude<Role, 'Admin' | 'Ingest'>;
  units: string[];
}

/**
 * A token maker for people who are not demo staff. `issuerBase` is what the relay names as its issuer:
 * the cluster's PUBLIC_ORIGIN (HAProxy's URL), or a single relay's own URL.
 */
export function wardTokens(dataDir: string, issuerBase: string): (person: WardStaff) => Promise<string> {
  const stored = JSON.parse(readFileSync(join(dataDir, 'dev-issuer-key.json'), 'utf8')) as {
    kid: string;
    privateJwk: JWK;
  };
  const key = importJWK(stored.privateJwk, 'RS256');
  return async (person) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      tid: DEV_TENANT_ID,
      oid: person.id,
      name: person.id,
      roles: [person.role],
      scp: DEV_API_SCOPE,
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: stored.kid })
      .setIssuer(`${issuerBase.replace(/\/+$/, '')}/dev`)
      .setAudience(DEV_API_CLIENT_ID)
      .setSubject(person.id)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 3600)
      .sign(await key);
  };
}

/** Puts each person on their units as an admin would (the directory keeps admin placements). */
export async function placeStaff(relayUrl: string, people: readonly WardStaff[]): Promise<void> {
  const admin = await devToken(relayUrl, 'admin-demo');
  const queue = [...people];
  const worker = async () => {
    for (let person = queue.shift(); person; person = queue.shift()) {
      const res = await fetch(`${relayUrl}/api/staff/${DEV_TENANT_ID}/${person.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ name: person.id, units: person.units }),
      });
      if (!res.ok) throw new Error(`placing ${person.id}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
