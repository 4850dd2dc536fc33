import { boolean, integer, value } from '../env';
import type { Env, RelayMode } from '../auth/config';

/**
 * The relay's Service Bus settings, read from the environment. Setting a connection (a connection
 * string, or a namespace reached with the machine's Azure identity) switches the relay to Service Bus;
 * HTTP ingest stays available beside it. Parsing never throws: every problem is one sentence, and a
 * connection string is never quoted back (it holds a key).
 */
export type ServiceBusAuth =
  | { kind: 'connection-string'; connectionString: string; host: string; emulator: boolean }
  /** `DefaultAzureCredential`: managed identity in Azure, a developer's sign-in elsewhere. */
  | { kind: 'azure-identity'; fullyQualifiedNamespace: string };

export type InboundEntity =
  { kind: 'queue'; queue: string } | { kind: 'subscription'; topic: string; subscription: string };

export interface ServiceBusConfig {
  auth: ServiceBusAuth;
  inbound: InboundEntity;
  outboundTopic: string;
  /** Messages handled at once; also how many the SDK asks for ahead. */
  maxConcurrentCalls: number;
  /** How long the SDK keeps renewing the lock of a message still being handled (0: never). */
  maxLockRenewalMs: number;
  /** The first wait before a message the store could not take is abandoned; it doubles per delivery. */
  storeRetryDelayMs: number;
  /** The first wait before an update whose task is not routed yet is abandoned; it doubles per delivery. */
  routingRetryDelayMs: number;
  /** Deliveries an update may wait for its routing event before `TaskNotRouted` dead-letters it. */
  routingAttempts: number;
  /** The inbound entity is session-enabled (session id = task id): sessions taken at once, else null. */
  sessions: { maxConcurrentSessions: number } | null;
}

export interface ServiceBusConfigResult {
  config: ServiceBusConfig | null;
  problems: string[];
}

export const DEFAULT_INBOUND_QUEUE = 'worklist-inbound';
export const DEFAULT_OUTBOUND_TOPIC = 'worklist-outbound';
/**
 * Messages in flight at once. The store applies one transaction at a time, so more does not apply
 * faster; it keeps settlement round trips overlapping and a slow message from holding up the rest.
 */
export const DEFAULT_MAX_CONCURRENT_CALLS = 16;
/** The SDK's own default: five minutes is longer than any store stall worth waiting out. */
export const DEFAULT_MAX_LOCK_RENEWAL_SECONDS = 300;
/** One second, then 2, 4, 8 … up to STORE_RETRY_MAX_DELAY_MS: a locked database or a full disk gets time. */
export const DEFAULT_STORE_RETRY_MS = 1_000;
/**
 * Half a second, then 1, 2, 4 s: an update that overtook its routing event (another relay has that one
 * in hand) usually finds the task on its second delivery; six deliveries wait about 15 s in all.
 */
export const DEFAULT_ROUTING_RETRY_MS = 500;
export const DEFAULT_ROUTING_ATTEMPTS = 6;
/** Sessions (tasks) one relay works on at once in session mode. */
export const DEFAULT_MAX_CONCURRENT_SESSIONS = 8;

const CONNECTION_NAMES = ['SERVICEBUS_CONNECTION_STRING', 'SERVICEBUS_NAMESPACE'] as const;
const SETTING_NAMES = [
  'SERVICEBUS_INBOUND_QUEUE',
  'SERVICEBUS_INBOUND_TOPIC',
  'SERVICEBUS_INBOUND_SUBSCRIPTION',
  'SERVICEBUS_OUTBOUND_TOPIC',
  'SERVICEBUS_MAX_CONCURRENT_CALLS',
  'SERVICEBUS_MAX_LOCK_RENEWAL_SECONDS',
  'SERVICEBUS_STORE_RETRY_MS',
  'SERVICEBUS_ROUTING_RETRY_MS',
  'SERVICEBUS_ROUTING_ATTEMPTS',
  'SERVICEBUS_INBOUND_SESSIONS',
  'SERVICEBUS_MAX_CONCURRENT_SESSIONS',
] as const;

/** Queue and topic names: letters, digits, `.`, `-`, `_` and `/`, starting with a letter or digit. */
const ENTITY_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,259}$/;
const SUBSCRIPTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function serviceBusConfigured(env: Env): boolean {
  return CONNECTION_NAMES.some((name) => value(env, name) !== undefined);
}

export function parseServiceBusConfig(env: Env, mode: RelayMode): ServiceBusConfigResult {
  const problems: string[] = [];
  const connectionString = value(env, 'SERVICEBUS_CONNECTION_STRING');
  const namespace = value(env, 'SERVICEBUS_NAMESPACE');

  if (!connectionString && !namespace) {
    const stray = SETTING_NAMES.filter((name) => value(env, name) !== undefined);
    if (stray.length > 0) {
      problems.push(
        `${stray.join(', ')} ${stray.length === 1 ? 'has' : 'have'} no effect without SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE.`,
      );
    }
    return { config: null, problems };
  }

  let auth: ServiceBusAuth | null = null;
  if (connectionString && namespace) {
    problems.push('Set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE, not both.');
  } else if (connectionString) {
    auth = parseConnectionString(connectionString, mode, problems);
  } else if (namespace) {
    auth = parseNamespace(namespace, problems);
  }

  const inbound = parseInbound(env, problems);
  const outboundTopic = value(env, 'SERVICEBUS_OUTBOUND_TOPIC') ?? DEFAULT_OUTBOUND_TOPIC;
  if (!ENTITY_NAME.test(outboundTopic))
    problems.push(entityNameProblem('SERVICEBUS_OUTBOUND_TOPIC', outboundTopic));

  const maxConcurrentCalls = integer(
    env,
    'SERVICEBUS_MAX_CONCURRENT_CALLS',
    DEFAULT_MAX_CONCURRENT_CALLS,
    1,
    256,
    problems,
  );
  const maxLockRenewalSeconds = integer(
    env,
    'SERVICEBUS_MAX_LOCK_RENEWAL_SECONDS',
    DEFAULT_MAX_LOCK_RENEWAL_SECONDS,
    0,
    86_400,
    problems,
  );
  const storeRetryDelayMs = integer(
    env,
    'SERVICEBUS_STORE_RETRY_MS',
    DEFAULT_STORE_RETRY_MS,
    10,
    60_000,
    problems,
  );

  const routingRetryDelayMs = integer(
    env,
    'SERVICEBUS_ROUTING_RETRY_MS',
    DEFAULT_ROUTING_RETRY_MS,
    10,
    60_000,
    problems,
  );
  // Below the entity's max delivery count (10 by default), or Service Bus dead-letters first.
  const routingAttempts = integer(
    env,
    'SERVICEBUS_ROUTING_ATTEMPTS',
    DEFAULT_ROUTING_ATTEMPTS,
    1,
    100,
    problems,
  );
  const sessionsOn = boolean(env, 'SERVICEBUS_INBOUND_SESSIONS', false, problems);
  const maxConcurrentSessions = integer(
    env,
    'SERVICEBUS_MAX_CONCURRENT_SESSIONS',
    DEFAULT_MAX_CONCURRENT_SESSIONS,
    1,
    256,
    problems,
  );

  if (problems.length > 0 || !auth || !inbound) return { config: null, problems };
  return {
    config: {
      auth,
      inbound,
      outboundTopic,
      maxConcurrentCalls,
      maxLockRenewalMs: maxLockRenewalSeconds * 1000,
      storeRetryDelayMs,
      routingRetryDelayMs,
      routingAttempts,
      sessions: sessionsOn ? { maxConcurrentSessions } : null,
    },
    problems,
  };
}

/** What may be logged about the connection: where it goes, never the key. */
export function describeServiceBus(config: ServiceBusConfig): Record<string, string> {
  return {
    namespace:
      config.auth.kind === 'connection-string' ? config.auth.host : config.auth.fullyQualifiedNamespace,
    credential: config.auth.kind === 'connection-string' ? 'shared access key' : 'Azure identity',
    inbound: inboundName(config.inbound),
    inboundSessions: config.sessions ? `on, ${config.sessions.maxConcurrentSessions} at once` : 'off',
    outbound: config.outboundTopic,
  };
}

/** `queue:worklist-inbound` or `subscription:topic/name`, as `/readyz` reports the inbound source. */
export function inboundName(inbound: InboundEntity): string {
  return inbound.kind === 'queue'
    ? `servicebus:queue/${inbound.queue}`
    : `servicebus:subscription/${inbound.topic}/${inbound.subscription}`;
}

function parseConnectionString(text: string, mode: RelayMode, problems: string[]): ServiceBusAuth | null {
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const endpoint = parts.get('endpoint');
  const host = endpoint ? /^sb:\/\/([^/:;]+|\[[^\]]+\])/i.exec(endpoint)?.[1] : undefined;
  const hasKey = parts.has('sharedaccesskeyname') && parts.has('sharedaccesskey');
  if (!host || !(hasKey || parts.has('sharedaccesssignature'))) {
    problems.push(
      'SERVICEBUS_CONNECTION_STRING must look like Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=… (the value is not shown here: it holds a key).',
    );
    return null;
  }
  const emulator = parts.get('usedevelopmentemulator')?.toLowerCase() === 'true';
  if (emulator && !LOOPBACK_HOSTS.has(host.toLowerCase())) {
    problems.push(
      `SERVICEBUS_CONNECTION_STRING sets UseDevelopmentEmulator=true for ${host}: that sends the key without TLS, so it is allowed only for a loopback emulator (127.0.0.1, localhost, ::1).`,
    );
    return null;
  }
  if (emulator && mode === 'production') {
    problems.push(
      'SERVICEBUS_CONNECTION_STRING sets UseDevelopmentEmulator=true, which is for local emulators: production mode needs the real namespace.',
    );
    return null;
  }
  return { kind: 'connection-string', connectionString: text, host, emulator };
}

function parseNamespace(text: string, problems: string[]): ServiceBusAuth | null {
  const host = text.replace(/^sb:\/\//i, '').replace(/\/+$/, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)+$/.test(host)) {
    problems.push(
      `SERVICEBUS_NAMESPACE "${text}" must be the fully qualified namespace, like wardline.servicebus.windows.net.`,
    );
    return null;
  }
  return { kind: 'azure-identity', fullyQualifiedNamespace: host };
}

function parseInbound(env: Env, problems: string[]): InboundEntity | null {
  const queue = value(env, 'SERVICEBUS_INBOUND_QUEUE');
  const topic = value(env, 'SERVICEBUS_INBOUND_TOPIC');
  const subscription = value(env, 'SERVICEBUS_INBOUND_SUBSCRIPTION');
  if (queue && (topic || subscription)) {
    problems.push(
      'Set SERVICEBUS_INBOUND_QUEUE, or SERVICEBUS_INBOUND_TOPIC with SERVICEBUS_INBOUND_SUBSCRIPTION, not both.',
    );
    return null;
  }
  if (topic || subscription) {
    if (!topic || !subscription) {
      problems.push(
        `SERVICEBUS_INBOUND_${topic ? 'TOPIC' : 'SUBSCRIPTION'} needs SERVICEBUS_INBOUND_${topic ? 'SUBSCRIPTION' : 'TOPIC'}: the relay receives from one subscription of one topic.`,
      );
      return null;
    }
    let ok = true;
    if (!ENTITY_NAME.test(topic)) {
      problems.push(entityNameProblem('SERVICEBUS_INBOUND_TOPIC', topic));
      ok = false;
    }
    if (!SUBSCRIPTION_NAME.test(subscription)) {
      problems.push(
        `SERVICEBUS_INBOUND_SUBSCRIPTION "${subscription}" is not a subscription name (letters, digits, ".", "-", "_"; at most 50).`,
      );
      ok = false;
    }
    return ok ? { kind: 'subscription', topic, subscription } : null;
  }
  const name = queue ?? DEFAULT_INBOUND_QUEUE;
  if (!ENTITY_NAME.test(name)) {
    problems.push(entityNameProblem('SERVICEBUS_INBOUND_QUEUE', name));
    return null;
  }
  return { kind: 'queue', queue: name };
}

function entityNameProblem(name: string, text: string): string {
  return `${name} "${text}" is not a Service Bus entity name (letters, digits, ".", "-", "_", "/"; at most 260).`;
}
