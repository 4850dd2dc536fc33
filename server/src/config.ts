import { boolean, decimal, integer, value } from './env';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_POLICIES, EscalationPolicies, explainIssues, type EscalationPolicy } from '../../src/domain';
import {
  assertModeAllowed,
  identityProviderConfigured,
  parseAuthConfig,
  type AuthConfig,
  type Env,
  type RelayMode,
} from './auth/config';
import { parseClientAuthConfig, type ClientAuthConfig } from './auth/client-config';
import {
  parseServiceBusConfig,
  serviceBusConfigured,
  type ServiceBusConfig,
} from './ingest/servicebus-config';
import { parseStoreConfig, type StoreConfig } from './store/config';

export interface RelayConfig {
  mode: RelayMode;
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL (DATABASE_URL) or, by default, SQLite in `dataDir`: docs/STORE.md. */
  store: StoreConfig;
  /** The built PWA; served at `/` when present. */
  staticDir: string;
  demoFeed: boolean;
  demoSeed: number;
  /** Demo events per minute after the morning backlog. */
  demoRatePerMinute: number;
  timeZone: string;
  auth: AuthConfig | undefined;
  /** How the PWA signs people in (MSAL), sent in `/config.json`; undefined in development mode. */
  clientAuth: ClientAuthConfig | undefined;
  /** Minutes without input before the PWA hides patient data until the same person signs in again. */
  idleLockMinutes: number;
  policies: EscalationPolicy[];
  /** Origins allowed to call the relay from another origin (CORS and WebSocket upgrades). */
  allowedOrigins: string[];
  logLevel: string;
  /** Who push services may contact about our pushes (VAPID `sub`): a mailto: or https: URL. */
  pushContact: string;
  /** Azure Service Bus in (beside HTTP ingest) and out; null runs on HTTP ingest alone. */
  serviceBus: ServiceBusConfig | null;
  /** When set, `GET /metrics` needs it as a bearer token (Prometheus' `authorization` setting). */
  metricsToken: string | null;
}

export type ConfigResult = { ok: true; config: RelayConfig } | { ok: false; problems: string[] };

const DEFAULT_PORT = 8080;
const DEFAULT_DEMO_RATE_PER_MINUTE = 12;
/** A ward tablet left on a counter: five minutes is the usual clinical-workstation lock. */
const DEFAULT_IDLE_LOCK_MINUTES = 5;
/** Longer than a shift's half would not be a lock; shorter than three seconds could not be used. */
const MAX_IDLE_LOCK_MINUTES = 720;
const MIN_IDLE_LOCK_MINUTES = 0.05;
/** A scrape token anyone could guess protects nothing: 32 hex characters is 128 bits. */
const MIN_METRICS_TOKEN_LENGTH = 32;

/**
 * Reads the relay's configuration from the environment. Every problem is reported, one sentence each,
 * so an operator fixes them all in one go instead of one per restart.
 */
export function loadConfig(env: Env): ConfigResult {
  const problems: string[] = [];
  const auth = parseAuthConfig(env);
  problems.push(...auth.problems);
  const clientAuth = parseClientAuthConfig(env, auth.config);
  problems.push(...clientAuth.problems);
  const idleLockMinutes = decimal(
    env,
    'IDLE_LOCK_MINUTES',
    DEFAULT_IDLE_LOCK_MINUTES,
    MIN_IDLE_LOCK_MINUTES,
    MAX_IDLE_LOCK_MINUTES,
    problems,
  );

  const modeText =
    value(env, 'WARDLINE_MODE') ?? (identityProviderConfigured(env) ? 'production' : 'development');
  let mode: RelayMode = 'development';
  if (modeText === 'development' || modeText === 'production') mode = modeText;
  else problems.push(`WARDLINE_MODE must be "development" or "production", not "${modeText}".`);
  const refused = assertModeAllowed(mode, env);
  if (refused) problems.push(refused);
  if (mode === 'production' && !auth.config && auth.problems.length === 0) {
    problems.push(
      'Production mode needs an identity provider: set AUTH_TENANT_ID and AUTH_API_CLIENT_ID (Entra ID), or AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI.',
    );
  }

  const port = integer(env, 'PORT', DEFAULT_PORT, 0, 65_535, problems);
  const host = value(env, 'HOST') ?? '127.0.0.1';
  const dataDir = resolve(value(env, 'DATA_DIR') ?? './data');
  const store = parseStoreConfig(env, problems);
  const staticDir = resolve(value(env, 'STATIC_DIR') ?? './dist');
  const serviceBus = parseServiceBusConfig(env, mode);
  problems.push(...serviceBus.problems);
  // With Service Bus the work comes from the hospital's middleware: the demo feed is opt-in beside it.
  const demoFeed = boolean(env, 'DEMO_FEED', mode === 'development' && !serviceBusConfigured(env), problems);
  if (demoFeed && mode === 'production')
    problems.push('DEMO_FEED cannot be on in production mode: it invents patients.');
  const demoSeed = integer(env, 'DEMO_SEED', 20_261_126, 0, 2 ** 31 - 1, problems);
  const demoRatePerMinute = integer(env, 'DEMO_RATE', DEFAULT_DEMO_RATE_PER_MINUTE, 0, 60_000, problems);

  const timeZone = value(env, 'TIME_ZONE') ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    problems.push(`TIME_ZONE "${timeZone}" is not an IANA time zone name (for example Europe/London).`);
  }

  const pushContact = value(env, 'PUSH_CONTACT') ?? 'mailto:wardline-admin@localhost';
  if (!/^(mailto:|https:\/\/)/.test(pushContact)) {
    problems.push(
      `PUSH_CONTACT must be a mailto: or https: URL (push services use it to reach the operator), not "${pushContact}".`,
    );
  }
  const metricsToken = value(env, 'METRICS_TOKEN') ?? null;
  if (metricsToken !== null && (metricsToken.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(metricsToken))) {
    problems.push(
      `METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces (for example from \`openssl rand -hex 16\`).`,
    );
  }
  const policies = loadPolicies(value(env, 'ESCALATION_POLICY_FILE'), problems);
  const allowedOrigins = (value(env, 'ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin))
      problems.push(
        `ALLOWED_ORIGINS entry "${origin}" must be a scheme and host, like https://wardline.example.org.`,
      );
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      mode,
      host,
      port,
      dataDir,
      store,
      staticDir,
      demoFeed,
      demoSeed,
      demoRatePerMinute,
      timeZone,
      auth: auth.config,
      clientAuth: clientAuth.config,
      idleLockMinutes,
      policies,
      allowedOrigins,
      logLevel: value(env, 'LOG_LEVEL') ?? 'info',
      pushContact,
      serviceBus: serviceBus.config,
      metricsToken,
    },
  };
}

function loadPolicies(file: string | undefined, problems: string[]): EscalationPolicy[] {
  if (!file) return DEFAULT_POLICIES.policies;
  if (!existsSync(file)) {
    problems.push(`ESCALATION_POLICY_FILE ${file} does not exist.`);
    return [];
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    problems.push(`ESCALATION_POLICY_FILE ${file} is not valid JSON.`);
    return [];
  }
  const parsed = EscalationPolicies.safeParse(json);
  if (!parsed.success) {
    problems.push(`ESCALATION_POLICY_FILE ${file}: ${explainIssues(parsed.error.issues)}`);
    return [];
  }
  return parsed.data.policies;
}
