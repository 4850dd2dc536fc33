import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { z } from 'zod';
import { readJsonBody, sendJson } from '../http/json';
import { sendError } from '../http/errors';
import type { Router } from '../http/router';
import type { Logger } from '../log';
import { DEFAULT_CLOCK_SKEW_SECONDS } from './config';
import { DEMO_STAFF, DEV_TENANT_ID, findDemoStaff, type DemoStaff } from './demo-staff';
import type { StaffDirectory } from './directory';
import type { TokenValidatorSettings } from './tokens';

export { DEMO_STAFF, DEMO_UNITS, DEV_TENANT_ID, seedDemoDirectory, type DemoStaff } from './demo-staff';

/**
 * The development issuer: demo sign-in without Entra. It signs Entra-v2-shaped access tokens with an RSA
 * key kept in the data folder and serves the public half as a JWKS; the relay then validates these
 * tokens with the very same `createTokenValidator`, fetching that JWKS over HTTP from itself. Development
 * mode only (`assertModeAllowed` refuses it under NODE_ENV=production).
 */

/** The demo "API app registration": the aud of every development token. Not a real application. */
export const DEV_API_CLIENT_ID = '7e57de00-0000-4000-8000-0000000000a1';
/** The delegated scope people's development tokens carry, as Entra puts it in `scp`. */
export const DEV_API_SCOPE = 'Worklist.Access';
/** The demo PWA's client id, in `azp` like Entra's. */
const DEV_PWA_CLIENT_ID = '7e57de00-0000-4000-8000-0000000000c1';
/** Entra's default access token lifetime is 60–90 minutes; one hour keeps refresh paths exercised. */
export const DEV_TOKEN_LIFETIME_SECONDS = 60 * 60;

const KEY_FILE = 'dev-issuer-key.json';
/** Owner read/write only: whoever reads this file can sign in as anyone on this relay. */
const KEY_FILE_MODE = 0o600;

const KeyFile = z.object({
  version: z.literal(1),
  kid: z.string().min(1),
  createdAt: z.string(),
  privateJwk: z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string() }).loose(),
});

export interface DevToken {
  accessToken: string;
  /** ISO-8601. */
  expiresAt: string;
}

export interface DevIssuer {
  /** The key id in every token header and in the JWKS; stable across restarts with the same data folder. */
  readonly kid: string;
  jwks(): { keys: JWK[] };
  /**
   * Signs a token for a demo staff member; `issuerBase` is the relay's own URL (`http://127.0.0.1:8080`),
   * or the cluster's `PUBLIC_ORIGIN` when several relays answer behind one address (docs/CLUSTER.md).
   */
  issueToken(staff: DemoStaff, issuerBase: string): Promise<DevToken>;
}

export interface DevIssuerOptions {
  /** The data folder; `:memory:` keeps the key in memory only (it then changes at every start). */
  dataDir: string;
  logger?: Logger;
  now?: () => Date;
}

/**
 * The validator settings for development mode. `issuerBase` names the issuer (`<base>/dev`): the address
 * the relay listens on, or the cluster's `PUBLIC_ORIGIN`, so a token from one relay of a cluster is
 * valid on every other (they share the key through the data folder). The keys are always fetched from
 * `jwksBase`, the relay's own loopback address: a relay never asks the load balancer for its own keys.
 */
export function devValidatorSettings(
  issuerBase: string,
  jwksBase: string = issuerBase,
): TokenValidatorSettings {
  const base = issuerBase.replace(/\/+$/, '');
  return {
    issuer: `${base}/dev`,
    audiences: [DEV_API_CLIENT_ID],
    jwksUri: `${jwksBase.replace(/\/+$/, '')}/dev/jwks.json`,
    clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
    requiredScope: DEV_API_SCOPE,
  };
}

/**
 * A URL the relay can reach itself on. A relay listening on every interface (0.0.0.0 or ::) is reached
 * on loopback; the token's `iss` is this URL whatever host name the browser used.
 */
export function loopbackBaseUrl(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') {
    throw new Error('The relay must listen on a TCP port for the development issuer to serve its keys.');
  }
  const { family, port } = address;
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return family === 'IPv6' || host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

export async function createDevIssuer({
  dataDir,
  logger,
  now = () => new Date(),
}: DevIssuerOptions): Promise<DevIssuer> {
  const stored =
    dataDir === ':memory:' ? await makeKey(now) : await loadOrCreateKey(join(dataDir, KEY_FILE), now, logger);
  const privateKey = await importJWK(stored.privateJwk, 'RS256');
  const { kty, n, e } = stored.privateJwk;
  const publicJwk: JWK = { kty, n, e, kid: stored.kid, alg: 'RS256', use: 'sig' };

  return {
    kid: stored.kid,
    jwks: () => ({ keys: [publicJwk] }),
    async issueToken(staff, issuerBase) {
      const settings = devValidatorSettings(issuerBase);
      const issuedAt = Math.floor(now().getTime() / 1000);
      const expiresAt = issuedAt + DEV_TOKEN_LIFETIME_SECONDS;
      const person = staff.role !== 'Ingest';
      const claims = {
        tid: DEV_TENANT_ID,
        oid: staff.id,
        name: staff.name,
        preferred_username: `${staff.id}@wardline.example`,
        roles: [staff.role],
        ver: '2.0',
        azp: person ? DEV_PWA_CLIENT_ID : staff.id,
        // People get a delegated token (scp); the integration account an application token (idtyp app, no
        // scp), as an Entra client-credentials token would be.
        ...(person ? { scp: DEV_API_SCOPE } : { idtyp: 'app' }),
      };
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: stored.kid })
        .setIssuer(settings.issuer)
        .setAudience(DEV_API_CLIENT_ID)
        .setSubject(staff.id)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(randomUUID())
        .sign(privateKey);
      return { accessToken, expiresAt: new Date(expiresAt * 1000).toISOString() };
    },
  };
}

type StoredKey = z.infer<typeof KeyFile>;

async function makeKey(now: () => Date): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const { kty, n, e, d } = jwk;
  if (kty !== 'RSA' || !n || !e || !d)
    throw new Error('The generated development key is not an RSA private key.');
  const kid = await calculateJwkThumbprint({ kty, n, e });
  return { version: 1, kid, createdAt: now().toISOString(), privateJwk: { ...jwk, kty: 'RSA', n, e, d } };
}

async function loadOrCreateKey(
  file: string,
  now: () => Date,
  logger: Logger | undefined,
): Promise<StoredKey> {
  const existing = readKeyFile(file, logger);
  if (existing) return existing;
  const key = await makeKey(now);
  mkdirSync(dirname(file), { recursive: true });
  try {
    // `wx`: if another relay on the same data folder wrote it first, keep theirs.
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: KEY_FILE_MODE, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const theirs = readKeyFile(file, logger);
      if (theirs) return theirs;
    }
    throw error;
  }
  logger?.info(
    { event: 'dev-issuer.key-created', kid: key.kid, file },
    'Created the development issuer key.',
  );
  return key;
}

function readKeyFile(file: string, logger: Logger | undefined): StoredKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const stored = parseKeyFile(text);
  if (!stored) {
    throw new Error(
      `The development issuer key ${file} is not readable: delete it and a new one is made at the next start.`,
    );
  }
  // A key file copied around may have lost its mode; put it back rather than leave it world-readable.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, KEY_FILE_MODE);
    logger?.warn(
      { event: 'dev-issuer.key-mode-fixed', file },
      'The development issuer key was readable by others; set it to 0600.',
    );
  }
  return stored;
}

function parseKeyFile(text: string): StoredKey | undefined {
  try {
    const parsed = KeyFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface DevRouteDeps {
  issuer: DevIssuer;
  directory: StaffDirectory;
  /** The issuer's base URL: the relay's own, known once it listens (`loopbackBaseUrl`), or PUBLIC_ORIGIN. */
  issuerBase: () => string;
}

/** `{ "staffId": "nurse-okafor" }` */
const TokenRequest = z.object({ staffId: z.string().min(1).max(128) });

/** Development mode only: `GET /dev/jwks.json`, `GET /dev/staff`, `POST /dev/token`. */
export function registerDevRoutes(router: Router, { issuer, directory, issuerBase }: DevRouteDeps): void {
  router.get('/dev/jwks.json', (_req, res) => {
    sendJson(res, 200, issuer.jwks(), { 'content-type': 'application/jwk-set+json' });
  });

  router.get('/dev/staff', async (_req, res) => {
    sendJson(
      res,
      200,
      await Promise.all(
        DEMO_STAFF.map(async (s) => ({
          id: s.id,
          name: s.name,
          role: s.role,
          units: await directory.unitsOf(DEV_TENANT_ID, s.id),
        })),
      ),
    );
  });

  router.post('/dev/token', async (req, res) => {
    const body = await readJsonBody(req, 4 * 1024);
    if (!body.ok) {
      sendError(res, body.code, body.reason);
      return;
    }
    const parsed = TokenRequest.safeParse(body.value);
    if (!parsed.success) {
      sendError(res, 'invalid', 'The body must be { "staffId": "<id from GET /dev/staff>" }.');
      return;
    }
    const staff = findDemoStaff(parsed.data.staffId);
    if (!staff) {
      sendError(
        res,
        'not-found',
        `No demo staff member has the id "${parsed.data.staffId}": GET /dev/staff lists them.`,
      );
      return;
    }
    sendJson(res, 200, await issuer.issueToken(staff, issuerBase()));
  });
}
