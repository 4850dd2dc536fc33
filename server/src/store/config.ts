import { hostname } from 'node:os';
import { integer, value } from '../env';
import type { Env } from '../auth/config';

export interface StoreConfig {
  /** PostgreSQL instead of the embedded SQLite file; null keeps SQLite in DATA_DIR. */
  databaseUrl: string | null;
  /** Connections the relay keeps to PostgreSQL. */
  poolSize: number;
  /** `azure`: each new connection's password is an Entra access token (managed identity). */
  passwordFrom: 'url' | 'azure';
}

const DEFAULT_POOL_SIZE = 10;

/** DATABASE_URL, DATABASE_POOL_SIZE, DATABASE_AUTH — checked at start, one sentence per problem. */
export function parseStoreConfig(env: Env, problems: string[]): StoreConfig {
  const databaseUrl = value(env, 'DATABASE_URL') ?? null;
  if (databaseUrl !== null) {
    let protocol = '';
    try {
      protocol = new URL(databaseUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:')
      problems.push(
        'DATABASE_URL must be a PostgreSQL URL such as postgres://wardline@db.example.org:5432/wardline?sslmode=verify-full.',
      );
  }
  const poolSize = integer(env, 'DATABASE_POOL_SIZE', DEFAULT_POOL_SIZE, 1, 200, problems);
  const auth = value(env, 'DATABASE_AUTH') ?? 'url';
  if (auth !== 'url' && auth !== 'azure')
    problems.push(
      `DATABASE_AUTH must be "url" (the password in DATABASE_URL) or "azure" (managed identity), not "${auth}".`,
    );
  if (auth === 'azure' && databaseUrl === null)
    problems.push(
      'DATABASE_AUTH=azure needs DATABASE_URL: the Azure Database for PostgreSQL server to sign in to.',
    );
  return { databaseUrl, poolSize, passwordFrom: auth === 'azure' ? 'azure' : 'url' };
}

/** The scope Azure Database for PostgreSQL accepts Entra access tokens for. */
const AZURE_POSTGRES_SCOPE = 'https://ossrdbms-aad.database.windows.net/.default';

/**
 * A password function for `pg`: an Entra access token from the managed identity (DefaultAzureCredential),
 * asked for each new connection; the credential caches the token until shortly before it expires.
 */
export async function azureTokenPassword(): Promise<() => Promise<string>> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  const credential = new DefaultAzureCredential();
  return async () => {
    const token = await credential.getToken(AZURE_POSTGRES_SCOPE);
    if (!token)
      throw new Error('The managed identity returned no access token for Azure Database for PostgreSQL.');
    return token.token;
  };
}

/** A relay id is a label value and a log field: short, no spaces or quotes. */
const RELAY_ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * RELAY_ID names this relay among several on one database (docs/STORE.md CL1). The default is the host
 * name — one relay per container or VM — cut to the allowed shape; several relays on one machine set it.
 */
export function parseRelayId(env: Env, problems: string[]): string {
  const given = value(env, 'RELAY_ID');
  if (given === undefined) {
    const fromHost = hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '');
    return fromHost.slice(0, 63) || 'relay';
  }
  if (!RELAY_ID_SHAPE.test(given))
    problems.push(
      `RELAY_ID "${given.slice(0, 80)}" must be 1–63 letters, digits, dots, dashes or underscores (for example relay-a).`,
    );
  return given;
}
