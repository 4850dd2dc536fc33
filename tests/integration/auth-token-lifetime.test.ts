import { HubConnectionBuilder, HttpTransportType, LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_PATH } from '../../src/domain';
import {
  makeTestKey,
  mintToken,
  startTestIdp,
  TEST_API_CLIENT_ID,
  TEST_TENANT_ID,
  type TestIdp,
  type TestKey,
} from '../helpers/auth-idp';
import { startTestRelay, type TestRelay } from '../helpers/relay';

/**
 * [I2] A hub connection lives no longer than the token it started with: at `exp` the relay closes it
 * with `allowReconnect`, the official client reconnects, and `accessTokenFactory` is asked for a new
 * token. Someone who can no longer get one (revoked) is cut off within one token lifetime.
 */
const TOKEN_SECONDS = 3;

let key: TestKey;
let idp: TestIdp;
let relay: TestRelay;

beforeAll(async () => {
  key = await makeTestKey();
  idp = await startTestIdp([key]);
  relay = await startTestRelay({
    AUTH_TENANT_ID: TEST_TENANT_ID,
    AUTH_API_CLIENT_ID: TEST_API_CLIENT_ID,
    AUTH_JWKS_URI: idp.jwksUri,
    // A short skew, so the refused-after-exp half of the test does not wait a minute.
    AUTH_CLOCK_SKEW_SECONDS: '0',
  });
});

afterAll(async () => {
  await relay?.stop();
  await idp?.close();
});

describe('[I2] hub connections end with their token', () => {
  it.each(['WebSockets', 'ServerSentEvents'] as const)(
    '%s: closed at exp with allowReconnect; the client reconnects with a fresh token',
    async (transport) => {
      let asked = 0;
      const connection = new HubConnectionBuilder()
        .withUrl(`${relay.url}${HUB_PATH}`, {
          transport: HttpTransportType[transport],
          accessTokenFactory: () => {
            asked += 1;
            return mintToken(key, { shape: 'v2', expiresIn: TOKEN_SECONDS });
          },
          ...(transport === 'ServerSentEvents'
            ? { EventSource: (await import('eventsource')).EventSource as never }
            : {}),
        } as never)
        .withAutomaticReconnect([0, 200, 500])
        .configureLogging(LogLevel.None)
        .build();
      const reconnected = new Promise<void>((resolve) => connection.onreconnected(() => resolve()));
      const closedWith: string[] = [];
      connection.onreconnecting((error) => closedWith.push(error?.message ?? ''));
      await connection.start();
      const started = Date.now();
      await reconnected;
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(TOKEN_SECONDS * 1_000 - 1_500);
      expect(elapsed).toBeLessThan(TOKEN_SECONDS * 1_000 + 5_000);
      expect(closedWith.join(' ')).toContain('access token expired');
      expect(asked).toBeGreaterThanOrEqual(2);
      // Still usable after the reconnect.
      expect(connection.state).toBe('Connected');
      await connection.stop();

      const line = relay.logs
        .records()
        .find((r) => r.event === 'hub.connected' && r.staffId === '0a0a0a0a-0000-4000-8000-000000000001');
      expect(line).toMatchObject({ tenantId: TEST_TENANT_ID, roles: ['Nurse'] });
      expect(relay.logs.text).not.toMatch(/eyJ[\w-]+\.eyJ/);
    },
  );

  it('without a new token the client stays out: the relay refuses the expired one', async () => {
    const token = await mintToken(key, { shape: 'v2', expiresIn: TOKEN_SECONDS });
    const connection = new HubConnectionBuilder()
      .withUrl(`${relay.url}${HUB_PATH}`, {
        transport: HttpTransportType.WebSockets,
        accessTokenFactory: () => token,
      })
      .withAutomaticReconnect([0, 200, 200])
      .configureLogging(LogLevel.None)
      .build();
    // After the relay closes it at exp, every reconnect attempt is refused and the client gives up.
    const closed = new Promise<void>((resolve) => connection.onclose(() => resolve()));
    await connection.start();
    await closed;
    expect(connection.state).toBe('Disconnected');
    expect(relay.logs.records().some((r) => r.event === 'auth.rejected' && r.reason === 'expired')).toBe(
      true,
    );
  });
});
