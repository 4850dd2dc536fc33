import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import Provider, {
  type Account,
  type Adapter,
  type AdapterPayload,
  type KoaContext,
  type Token,
} from 'oidc-provider';
import { tempDir } from './relay';

/**
 * A stand-in for Microsoft Entra ID in the end-to-end tests: the npm `oidc-provider` over HTTPS on
 * 127.0.0.1, with a certificate authority the test makes (openssl) and trusts (the relay through
 * `NODE_EXTRA_CA_CERTS`, Chromium through the context's `ignoreHTTPSErrors`). It issues Entra-shaped
 * tokens: JWT access tokens for the API resource (RS256, `aud`, `oid`, `tid`, `roles`, `scp`, `name`,
 * `groups`), ID tokens with `oid`/`tid`/`roles`, and refresh tokens. People sign in on its own login
 * and consent pages, which the test fills like a person. MSAL reaches it in `protocolMode: "OIDC"`.
 * docs/azure-testing.md (part B) has why each setting is what it is.
 */

export interface TestPerson {
  /** What the person types in the login page (any password is accepted). */
  login: string;
  oid: string;
  name: string;
  roles: string[];
  /** Entra group object ids (the relay maps them to units with AUTH_GROUP_UNITS). */
  groups: string[];
}

export interface OidcProviderOptions {
  people: TestPerson[];
  tenantId: string;
  clientId: string;
  /** The API's App ID URI: the access tokens' `aud`. */
  audience: string;
  /** The bare scope name (`Worklist.Access`): `scp` in the tokens, `<audience>/<name>` when asked. */
  scopeName: string;
  /** Where the authority may send people back (the PWA's redirect bridge on each relay). */
  redirectUris: string[];
  accessTokenSeconds?: number;
}

export interface OidcProvider {
  /** `https://127.0.0.1:<port>`: the `iss` of every token, and MSAL's authority. */
  issuer: string;
  jwksUri: string;
  /** `127.0.0.1:<port>`, for MSAL's knownAuthorities. */
  host: string;
  /** The test CA's certificate (PEM file): `NODE_EXTRA_CA_CERTS` for a relay that fetches the JWKS. */
  caFile: string;
  /** Access tokens issued from now on live this long. */
  setAccessTokenSeconds(seconds: number): void;
  /** Token endpoint successes by grant type (`authorization_code`, `refresh_token`). */
  grants(): Record<string, number>;
  /**
   * Ends everything the authority holds for a person, as an admin's "revoke sessions" does: sessions,
   * grants and refresh tokens. Access tokens already issued stay valid until they expire (as in Entra).
   */
  revoke(login: string): Promise<number>;
  /** An application token (client credentials shape, no `scp`) for the relay's ingest route. */
  appToken(roles: string[]): Promise<string>;
  close(): Promise<void>;
}

/** The test CA and a server certificate for 127.0.0.1 signed by it, made with the machine's openssl. */
function makeCertificates(dir: string): { caFile: string; key: Buffer; cert: Buffer } {
  const file = (name: string) => join(dir, name);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', '/CN=Wardline test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  run([
    'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'),
    '-subj', '/CN=127.0.0.1',
  ]); // prettier-ignore
  writeFileSync(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  run([
    'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '2', '-out', file('server.pem'), '-extfile', file('server.ext'),
  ]); // prettier-ignore
  return {
    caFile: file('ca.pem'),
    key: readFileSync(file('server.key')),
    cert: readFileSync(file('server.pem')),
  };
}

/**
 * oidc-provider's storage, in memory, in a form the test can search: "revoke this person" is every
 * session, grant and token whose `accountId` is theirs.
 */
function createStore() {
  const entries = new Map<string, AdapterPayload>();
  const key = (model: string, id: string) => `${model}:${id}`;
  class TestAdapter implements Adapter {
    constructor(private readonly model: string) {}
    async upsert(id: string, payload: AdapterPayload): Promise<void> {
      entries.set(key(this.model, id), payload);
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      return entries.get(key(this.model, id));
    }
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      for (const [k, payload] of entries)
        if (k.startsWith(`${this.model}:`) && payload.uid === uid) return payload;
      return undefined;
    }
    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      for (const [k, payload] of entries)
        if (k.startsWith(`${this.model}:`) && payload.userCode === userCode) return payload;
      return undefined;
    }
    async consume(id: string): Promise<void> {
      const payload = entries.get(key(this.model, id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      entries.delete(key(this.model, id));
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [k, payload] of entries) if (payload.grantId === grantId) entries.delete(k);
    }
  }
  return {
    TestAdapter,
    revokeAccount(accountId: string): number {
      let removed = 0;
      for (const [k, payload] of entries) {
        if (payload.accountId === accountId) {
          entries.delete(k);
          removed += 1;
        }
      }
      return removed;
    },
  };
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const dir = tempDir('wardline-idp-');
  const { caFile, key, cert } = makeCertificates(dir.path);
  const signing = await generateKeyPair('RS256', { extractable: true });
  const kid = `idp-${randomUUID().slice(0, 8)}`;
  const privateJwk: JWK = { ...(await exportJWK(signing.privateKey)), kid, alg: 'RS256', use: 'sig' };

  // Listen first: the issuer names the port, and the provider is built for that issuer.
  let handler: ((req: never, res: never) => void) | null = null;
  const server: Server = createServer({ key, cert }, (req, res) => {
    if (handler) handler(req as never, res as never);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `https://127.0.0.1:${port}`;
  const apiScope = `${options.audience}/${options.scopeName}`;
  let accessTokenSeconds = options.accessTokenSeconds ?? 3_600;
  const grantCounts: Record<string, number> = {};
  const people = new Map(options.people.map((p) => [p.login, p]));
  const store = createStore();

  /** The claims Entra puts in an ID token and in an access token for our API, for one person. */
  const entraClaims = (person: TestPerson) => ({
    oid: person.oid,
    tid: options.tenantId,
    roles: person.roles,
    name: person.name,
    preferred_username: `${person.login}@hospital.example`,
  });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        // A single-page application: a public client with PKCE, as Entra's "SPA" platform.
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: options.redirectUris,
      },
    ],
    adapter: store.TestAdapter,
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    scopes: ['openid', 'profile', 'offline_access', apiScope],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'oid', 'tid', 'roles'] },
    // Profile claims in the ID token itself, as Entra does, not only from userinfo.
    conformIdTokenClaims: false,
    async findAccount(_ctx: KoaContext, id: string): Promise<Account | undefined> {
      const person = people.get(id);
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...entraClaims(person) }) };
    },
    async extraTokenClaims(_ctx: KoaContext, token: Token) {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const person = people.get(token.accountId);
      if (!person) return undefined;
      // Entra's delegated token: `scp` holds bare scope names; `groups` the group object ids.
      const scp = (token.scope ?? '')
        .split(' ')
        .filter((s) => s.startsWith(`${options.audience}/`))
        .map((s) => s.slice(options.audience.length + 1))
        .join(' ');
      return { ...entraClaims(person), scp, groups: person.groups, ver: '2.0', azp: options.clientId };
    },
    // MSAL always asks for offline_access and expects a refresh token back.
    issueRefreshToken: async () => true,
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // MSAL in OIDC mode sends no `resource`: every token is for our API, as Entra decides by scope.
        defaultResource: async () => options.audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          audience: options.audience,
          scope: apiScope,
          accessTokenFormat: 'jwt',
          accessTokenTTL: accessTokenSeconds,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: {
      AccessToken: () => accessTokenSeconds,
      IdToken: 3_600,
      RefreshToken: 24 * 3_600,
      Session: 24 * 3_600,
      Grant: 24 * 3_600,
      Interaction: 600,
      AuthorizationCode: 60,
    },
    // Discovery, keys and the token endpoint are called from the PWA's origin.
    clientBasedCORS: () => true,
  });

  // oidc-provider keeps offline_access (the refresh token) only when consent is prompted for; MSAL
  // always asks for it. A silent request (prompt=none) is left alone: it must never show a page.
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      const query = new URLSearchParams(ctx.querystring);
      const prompts = new Set((query.get('prompt') ?? '').split(' ').filter(Boolean));
      if (!prompts.has('none')) {
        prompts.add('consent');
        query.set('prompt', [...prompts].join(' '));
        ctx.querystring = query.toString();
      }
    }
    await next();
  });
  provider.on('grant.success', (ctx) => {
    const type = String(ctx.oidc?.params?.grant_type ?? 'unknown');
    grantCounts[type] = (grantCounts[type] ?? 0) + 1;
  });
  handler = provider.callback();

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    host: `127.0.0.1:${port}`,
    caFile,
    setAccessTokenSeconds(seconds) {
      accessTokenSeconds = seconds;
    },
    grants: () => ({ ...grantCounts }),
    revoke: async (login) => store.revokeAccount(login),
    appToken: (roles) => signAppToken(signing.privateKey, kid, issuer, options, roles),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      dir.remove();
    },
  };
}

/** An integration account's token: Entra's client-credentials shape (`roles`, no `scp`). */
function signAppToken(
  key: CryptoKey,
  kid: string,
  issuer: string,
  options: OidcProviderOptions,
  roles: string[],
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    tid: options.tenantId,
    oid: randomUUID(),
    roles,
    name: 'Integration engine',
    azp: randomUUID(),
    ver: '2.0',
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
    .setIssuer(issuer)
    .setAudience(options.audience)
    .setSubject(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key);
}
