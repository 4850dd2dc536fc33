import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config';
import { describeServiceBus, parseServiceBusConfig } from '../../server/src/ingest/servicebus-config';

const KEY = 'c2VjcmV0LWtleS1kby1ub3QtbG9n';
const CONNECTION = `Endpoint=sb://wardline.servicebus.windows.net/;SharedAccessKeyName=relay;SharedAccessKey=${KEY}`;
const EMULATOR = `Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=${KEY};UseDevelopmentEmulator=true`;

function problems(env: Record<string, string>, mode: 'development' | 'production' = 'development'): string[] {
  return parseServiceBusConfig(env, mode).problems;
}

describe('Service Bus configuration', () => {
  it('is off without a connection: HTTP ingest alone, and the demo feed on in development', () => {
    expect(parseServiceBusConfig({}, 'development')).toEqual({ config: null, problems: [] });
    const loaded = loadConfig({ DATA_DIR: '/tmp/x' });
    expect(loaded.ok && loaded.config.serviceBus).toBe(null);
    expect(loaded.ok && loaded.config.demoFeed).toBe(true);
  });

  it('reads a connection string with the default entities and tunables, and switches the demo feed off', () => {
    const { config } = parseServiceBusConfig({ SERVICEBUS_CONNECTION_STRING: CONNECTION }, 'production');
    expect(config).toEqual({
      auth: {
        kind: 'connection-string',
        connectionString: CONNECTION,
        host: 'wardline.servicebus.windows.net',
        emulator: false,
      },
      inbound: { kind: 'queue', queue: 'worklist-inbound' },
      outboundTopic: 'worklist-outbound',
      maxConcurrentCalls: 16,
      maxLockRenewalMs: 300_000,
      storeRetryDelayMs: 1_000,
      routingRetryDelayMs: 500,
      routingAttempts: 6,
      sessions: null,
    });
    const loaded = loadConfig({ SERVICEBUS_CONNECTION_STRING: EMULATOR, DATA_DIR: '/tmp/x' });
    expect(loaded.ok && loaded.config.demoFeed).toBe(false);
    expect(loaded.ok && loaded.config.serviceBus?.auth).toMatchObject({ host: '127.0.0.1', emulator: true });
  });

  it('reads a namespace for the Azure identity, a topic subscription, and the tunables', () => {
    const { config, problems: found } = parseServiceBusConfig(
      {
        SERVICEBUS_NAMESPACE: 'sb://wardline-prod.servicebus.windows.net/',
        SERVICEBUS_INBOUND_TOPIC: 'worklist-routing',
        SERVICEBUS_INBOUND_SUBSCRIPTION: 'wardline',
        SERVICEBUS_OUTBOUND_TOPIC: 'ward-actions',
        SERVICEBUS_MAX_CONCURRENT_CALLS: '4',
        SERVICEBUS_MAX_LOCK_RENEWAL_SECONDS: '0',
        SERVICEBUS_STORE_RETRY_MS: '250',
        SERVICEBUS_ROUTING_RETRY_MS: '100',
        SERVICEBUS_ROUTING_ATTEMPTS: '3',
        SERVICEBUS_INBOUND_SESSIONS: 'true',
        SERVICEBUS_MAX_CONCURRENT_SESSIONS: '12',
      },
      'production',
    );
    expect(found).toEqual([]);
    expect(config).toEqual({
      auth: { kind: 'azure-identity', fullyQualifiedNamespace: 'wardline-prod.servicebus.windows.net' },
      inbound: { kind: 'subscription', topic: 'worklist-routing', subscription: 'wardline' },
      outboundTopic: 'ward-actions',
      maxConcurrentCalls: 4,
      maxLockRenewalMs: 0,
      storeRetryDelayMs: 250,
      routingRetryDelayMs: 100,
      routingAttempts: 3,
      sessions: { maxConcurrentSessions: 12 },
    });
  });

  it.each([
    [
      { SERVICEBUS_CONNECTION_STRING: CONNECTION, SERVICEBUS_NAMESPACE: 'a.servicebus.windows.net' },
      'Set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE, not both.',
    ],
    [
      { SERVICEBUS_CONNECTION_STRING: `HostName=x;SharedAccessKey=${KEY}` },
      'SERVICEBUS_CONNECTION_STRING must look like Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=… (the value is not shown here: it holds a key).',
    ],
    [
      { SERVICEBUS_CONNECTION_STRING: EMULATOR.replace('127.0.0.1', 'sb.hospital.example') },
      'SERVICEBUS_CONNECTION_STRING sets UseDevelopmentEmulator=true for sb.hospital.example: that sends the key without TLS, so it is allowed only for a loopback emulator (127.0.0.1, localhost, ::1).',
    ],
    [
      { SERVICEBUS_NAMESPACE: 'wardline' },
      'SERVICEBUS_NAMESPACE "wardline" must be the fully qualified namespace, like wardline.servicebus.windows.net.',
    ],
    [
      {
        SERVICEBUS_CONNECTION_STRING: CONNECTION,
        SERVICEBUS_INBOUND_QUEUE: 'q',
        SERVICEBUS_INBOUND_TOPIC: 't',
      },
      'Set SERVICEBUS_INBOUND_QUEUE, or SERVICEBUS_INBOUND_TOPIC with SERVICEBUS_INBOUND_SUBSCRIPTION, not both.',
    ],
    [
      { SERVICEBUS_CONNECTION_STRING: CONNECTION, SERVICEBUS_INBOUND_TOPIC: 't' },
      'SERVICEBUS_INBOUND_TOPIC needs SERVICEBUS_INBOUND_SUBSCRIPTION: the relay receives from one subscription of one topic.',
    ],
    [
      { SERVICEBUS_CONNECTION_STRING: CONNECTION, SERVICEBUS_INBOUND_QUEUE: 'no spaces' },
      'SERVICEBUS_INBOUND_QUEUE "no spaces" is not a Service Bus entity name (letters, digits, ".", "-", "_", "/"; at most 260).',
    ],
    [
      { SERVICEBUS_CONNECTION_STRING: CONNECTION, SERVICEBUS_MAX_CONCURRENT_CALLS: '0' },
      'SERVICEBUS_MAX_CONCURRENT_CALLS must be a whole number from 1 to 256, not "0".',
    ],
    [
      { SERVICEBUS_INBOUND_QUEUE: 'q', SERVICEBUS_OUTBOUND_TOPIC: 't' },
      'SERVICEBUS_INBOUND_QUEUE, SERVICEBUS_OUTBOUND_TOPIC have no effect without SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE.',
    ],
  ])('refuses %j in one sentence', (env, sentence) => {
    expect(problems(env)).toEqual([sentence]);
  });

  it('refuses the emulator flag in production mode', () => {
    expect(problems({ SERVICEBUS_CONNECTION_STRING: EMULATOR }, 'production')).toEqual([
      'SERVICEBUS_CONNECTION_STRING sets UseDevelopmentEmulator=true, which is for local emulators: production mode needs the real namespace.',
    ]);
  });

  it('names every problem at once through loadConfig, and never quotes the key', () => {
    const loaded = loadConfig({
      SERVICEBUS_CONNECTION_STRING: `Endpoint=nope;SharedAccessKey=${KEY}`,
      SERVICEBUS_INBOUND_SUBSCRIPTION: 'wardline',
      SERVICEBUS_STORE_RETRY_MS: 'soon',
    });
    expect(loaded.ok).toBe(false);
    const found = loaded.ok ? [] : loaded.problems;
    expect(found).toHaveLength(3);
    expect(found.join(' ')).not.toContain(KEY);
  });

  it('describes the connection for the log without the key', () => {
    const { config } = parseServiceBusConfig({ SERVICEBUS_CONNECTION_STRING: CONNECTION }, 'production');
    const described = describeServiceBus(config!);
    expect(described).toEqual({
      namespace: 'wardline.servicebus.windows.net',
      credential: 'shared access key',
      inbound: 'servicebus:queue/worklist-inbound',
      inboundSessions: 'off',
      outbound: 'worklist-outbound',
    });
    expect(JSON.stringify(described)).not.toContain(KEY);
  });
});
