import { boolean, decimal, integer, list, value } from './env';
import { DEFAULT_PUSH_SERVICE_HOSTS } from './push/endpoint-policy';
import { isLoopbackHost } from './http/host-check';
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
import { DEFAULT_LIMITS, type SignalRLimits } from './signalr/limits';
import { SYNC_CONCURRENT_PAGES } from './hub/sync';
import { parseClientAuthConfig, type ClientAuthConfig } from './auth/client-config';
import {
  parseServiceBusConfig,
  serviceBusConfigured,
  type ServiceBusConfig,
} from './ingest/servicebus-config';
import { parseRelayId, parseStoreConfig, type StoreConfig } from './store/config';
import { parseAssignmentConfig, type AssignmentConfig } from './assignments/config';

export interface RelayConfig {
  mode: RelayMode;
  /** This relay's name among several on one database (`RELAY_ID`): in logs, /metrics and /readyz. */
  relayId: string;
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
  /** The origin people reach the relay at (`PUBLIC_ORIGIN`); requests naming another Host are refused. */
  publicOrigin: string | null;
  /** `/metrics` without a token in production, by explicit choice (`METRICS_PUBLIC=true`), warned at start. */
  metricsPublic: boolean;
  /** Days an access-audit record is kept (`ACCESS_AUDIT_RETENTION_DAYS`); seven years by default. */
  accessAuditRetentionDays: number;
  /** Origins allowed to call the relay from another origin (CORS and WebSocket upgrades). */
  allowedOrigins: string[];
  logLevel: string;
  /** Who push services may contact about our pushes (VAPID `sub`): a mailto: or https: URL. */
  pushContact: string;
  /** Host patterns of the push services subscriptions may point at (`*.notify.windows.com` style). */
  pushServiceHosts: string[];
  /** Azure Service Bus in (beside HTTP ingest) and out; null runs on HTTP ingest alone. */
  serviceBus: ServiceBusConfig | null;
  /** When set, `GET /metrics` needs it as a bearer token (Prometheus' `authorization` setting). */
  metricsToken: string | null;
  /** Minutes a handover offer may wait before the unit's charge nurse is alerted (HANDOFFS.md HO7). */
  handoverAcceptMinutes?: number;
  /** Per-person and per-connection fairness limits of the hub (docs/SECURITY.md F1–F6). */
  hubLimits: HubLimits;
  /** `sync` pages the hub reads at once (HUB_SYNC_CONCURRENCY); the rest wait in turn (docs/HUB.md H11). */
  hubSyncConcurrency: number;
  /** SIGTERM to exit, at most; past it every socket is cut and the process exits (docs/SECURITY.md F8). */
  shutdownDeadlineMs: number;
  /** Shifts (`SHIFTS`) and each unit's beds (`UNIT_BEDS`): docs/ASSIGNMENTS.md AS1–AS2. */
  assignments?: AssignmentConfig;
}

export type HubLimits = Pick<
  SignalRLimits,
  | 'maxConnectionsPerUser'
  | 'maxPendingConnectionsPerUser'
  | 'maxInvocationsPerMessage'
  | 'invocationsPerSecond'
  | 'invocationBurst'
  | 'userInvocationsPerSecond'
  | 'userInvocationBurst'
>;

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
/** Seven years: the usual keeping of health records' access logs. */
const DEFAULT_ACCESS_AUDIT_RETENTION_DAYS = 2_555;
/** A hundred years: a typo of extra digits is caught, "keep for a lifetime" is not refused. */
const MAX_ACCESS_AUDIT_RETENTION_DAYS = 36_500;

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
  const publicOrigin = value(env, 'PUBLIC_ORIGIN')?.replace(/\/+$/, '') ?? null;
  if (publicOrigin !== null && !/^https?:\/\/[^/?#@\s]+$/i.test(publicOrigin))
    problems.push(
      `PUBLIC_ORIGIN must be a scheme and host, like https://wardline.hospital.example, not "${publicOrigin}".`,
    );
  // Development mode hands out Admin and Ingest tokens to anyone who asks (/dev/token): never off this machine.
  if (mode === 'development' && !isLoopbackHost(host))
    problems.push(
      `Development mode listens on loopback only (HOST=127.0.0.1): HOST=${host} would let anyone on the network take an Admin token from /dev/token.`,
    );
  if (mode === 'production' && !isLoopbackHost(host) && publicOrigin === null)
    problems.push(
      `Production mode on HOST=${host} needs PUBLIC_ORIGIN (the URL people open, e.g. https://wardline.hospital.example): requests naming any other host are refused.`,
    );
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
  const pushServiceHosts = value(env, 'PUSH_SERVICE_HOSTS')
    ? list(env.PUSH_SERVICE_HOSTS)
    : [...DEFAULT_PUSH_SERVICE_HOSTS];
  for (const host of pushServiceHosts) {
    if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(host))
      problems.push(
        `PUSH_SERVICE_HOSTS entry "${host}" must be a host name such as fcm.googleapis.com or *.notify.windows.com (no IP addresses, ports or schemes).`,
      );
    else if (/^[\d.]+$/.test(host))
      problems.push(`PUSH_SERVICE_HOSTS entry "${host}" is an IP address; push services are named hosts.`);
  }
  const metricsToken = value(env, 'METRICS_TOKEN') ?? null;
  const metricsPublic = boolean(env, 'METRICS_PUBLIC', false, problems);
  if (metricsToken !== null && (metricsToken.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(metricsToken))) {
    problems.push(
      `METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces (for example from \`openssl rand -hex 16\`).`,
    );
  }
  const accessAuditRetentionDays = integer(
    env,
    'ACCESS_AUDIT_RETENTION_DAYS',
    DEFAULT_ACCESS_AUDIT_RETENTION_DAYS,
    1,
    MAX_ACCESS_AUDIT_RETENTION_DAYS,
    problems,
  );
  // Long enough to finish a conversation at the bedside, short enough that the charge nurse hears in time.
  const handoverAcceptMinutes = integer(env, 'HANDOVER_ACCEPT_MINUTES', 15, 1, 240, problems);
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

  const hubLimits = loadHubLimits(env, problems);
  const hubSyncConcurrency = integer(env, 'HUB_SYNC_CONCURRENCY', SYNC_CONCURRENT_PAGES, 1, 1_000, problems);
  const assignments = parseAssignmentConfig(env, mode === 'development', problems);
  // Inside Kubernetes' default 30 s grace: the hub's 5 s close and the HTTP server's 5 s grace fit.
  const shutdownDeadlineMs = decimal(env, 'SHUTDOWN_DEADLINE_SECONDS', 15, 1, 600, problems) * 1000;

  const relayId = parseRelayId(env, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      mode,
      relayId,
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
      pushServiceHosts,
      serviceBus: serviceBus.config,
      metricsToken,
      metricsPublic,
      publicOrigin,
      accessAuditRetentionDays,
      handoverAcceptMinutes,
      assignments,
      hubLimits,
      hubSyncConcurrency,
      shutdownDeadlineMs,
    },
  };
}

/** The hub's fairness limits; the defaults (signalr/limits.ts) never slow a nurse down. */
function loadHubLimits(env: Env, problems: string[]): HubLimits {
  const d = DEFAULT_LIMITS;
  const max = 1_000_000;
  return {
    maxConnectionsPerUser: integer(
      env,
      'HUB_MAX_CONNECTIONS_PER_PERSON',
      d.maxConnectionsPerUser,
      1,
      max,
      problems,
    ),
    maxPendingConnectionsPerUser: integer(
      env,
      'HUB_MAX_OPENING_PER_PERSON',
      d.maxPendingConnectionsPerUser,
      1,
      max,
      problems,
    ),
    maxInvocationsPerMessage: integer(
      env,
      'HUB_MAX_CALLS_PER_MESSAGE',
      d.maxInvocationsPerMessage,
      1,
      max,
      problems,
    ),
    invocationsPerSecond: decimal(env, 'HUB_CALLS_PER_SECOND', d.invocationsPerSecond, 0.01, max, problems),
    invocationBurst: integer(env, 'HUB_CALL_BURST', d.invocationBurst, 1, max, problems),
    userInvocationsPerSecond: decimal(
      env,
      'HUB_PERSON_CALLS_PER_SECOND',
      d.userInvocationsPerSecond,
      0.01,
      max,
      problems,
    ),
    userInvocationBurst: integer(env, 'HUB_PERSON_CALL_BURST', d.userInvocationBurst, 1, max, problems),
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
