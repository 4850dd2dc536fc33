import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/**
 * A stand-in for Entra's signing side: RSA keys, a JWKS served over real HTTP on loopback (with a fetch
 * counter, to prove refetches), and Entra-shaped access tokens signed with any of the keys.
 */

export const TEST_TENANT_ID = '11111111-2222-4333-8444-555555555555';
export const OTHER_TENANT_ID = '99999999-8888-4777-8666-555555555555';
export const TEST_API_CLIENT_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
export const TEST_API_APP_ID_URI = 'api://wardline';
export const TEST_SCOPE = 'Worklist.Access';
/** Microsoft Graph's application id: a token for Graph is a token for another API. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const V2_ISSUER = `https://login.microsoftonline.com/${TEST_TENANT_ID}/v2.0`;
export const V1_ISSUER = `https://sts.windows.net/${TEST_TENANT_ID}/`;

export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** The public key as PEM, the "secret" of the HS256 key-confusion attack. */
  publicPem: string;
}

export async function makeTestKey(kid = `test-${randomUUID().slice(0, 8)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    kid,
    privateKey,
    publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

export interface TestIdp {
  jwksUri: string;
  /** How many times the key set was fetched. */
  fetchCount(): number;
  /** Adds a key to the published set (a rollover). */
  publish(key: TestKey): void;
  close(): Promise<void>;
}

export async function startTestIdp(initialKeys: TestKey[]): Promise<TestIdp> {
  const published: JWK[] = initialKeys.map((k) => k.publicJwk);
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/discovery/v2.0/keys') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `http://127.0.0.1:${port}/discovery/v2.0/keys`,
    fetchCount: () => fetches,
    publish: (key) => {
      published.push(key.publicJwk);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type TokenShape = 'v1' | 'v2';

export interface MintOptions {
  shape?: TokenShape;
  /** Claims to set or override. `undefined` values remove the claim. */
  claims?: Record<string, unknown>;
  /** Seconds from now. */
  expiresIn?: number;
  notBefore?: number;
  header?: Record<string, unknown>;
}

/** Claims an Entra access token for the Wardline API carries, for a nurse by default. */
export function entraClaims(shape: TokenShape = 'v2'): JWTPayload {
  const base = {
    tid: TEST_TENANT_ID,
    oid: '0a0a0a0a-0000-4000-8000-000000000001',
    sub: 'pairwise-subject-1',
    roles: ['Nurse'],
    scp: TEST_SCOPE,
    azp: 'cccccccc-0000-4000-8000-000000000001',
  };
  return shape === 'v2'
    ? {
        ...base,
        iss: V2_ISSUER,
        aud: TEST_API_CLIENT_ID,
        ver: '2.0',
        name: 'Test Nurse',
        preferred_username: 'nurse@contoso.example',
      }
    : {
        ...base,
        iss: V1_ISSUER,
        aud: TEST_API_APP_ID_URI,
        ver: '1.0',
        name: 'Test Nurse',
        unique_name: 'nurse@contoso.example',
      };
}

export async function mintToken(key: TestKey, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    ...entraClaims(options.shape),
    iat: now,
    nbf: now + (options.notBefore ?? -5),
    exp: now + (options.expiresIn ?? 3600),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...options.header })
    .sign(key.privateKey);
}

export function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
