import { describe, expect, it } from 'vitest';
import {
  createPushEndpointPolicy,
  DEFAULT_PUSH_SERVICE_HOSTS,
  hostAllowed,
  isPublicAddress,
  publicOnlyLookup,
} from '../../server/src/push/endpoint-policy';

describe('push endpoint policy (docs/SECURITY.md P1–P3)', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.8',
    '172.20.1.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])('[P2] %s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['142.250.180.10', '2a00:1450:4009:81f::200a', '::ffff:142.250.180.10'])(
    '[P2] %s is public',
    (address) => expect(isPublicAddress(address)).toBe(true),
  );

  it('[P1] the vendors’ hosts match, a wildcard matches names under it only, look-alikes do not', () => {
    const hosts = [...DEFAULT_PUSH_SERVICE_HOSTS];
    expect(hostAllowed('fcm.googleapis.com', hosts)).toBe(true);
    expect(hostAllowed('FCM.googleapis.com.', hosts)).toBe(true);
    expect(hostAllowed('wns2-db5p.notify.windows.com', hosts)).toBe(true);
    expect(hostAllowed('notify.windows.com', hosts)).toBe(false);
    expect(hostAllowed('evilnotify.windows.com', hosts)).toBe(false);
    expect(hostAllowed('fcm.googleapis.com.evil.example', hosts)).toBe(false);
    expect(hostAllowed('web.push.apple.com', hosts)).toBe(true);
  });

  it('[P2] an allowed name is refused when any of its addresses is not public, or when it does not resolve', async () => {
    const answers: Record<string, string[]> = {
      'fcm.googleapis.com': ['142.250.180.10'],
      'updates.push.services.mozilla.com': ['34.1.1.1', '10.0.0.5'],
    };
    const policy = createPushEndpointPolicy({
      hosts: DEFAULT_PUSH_SERVICE_HOSTS,
      resolve: async (host) => {
        const found = answers[host];
        if (!found) throw new Error('ENOTFOUND');
        return found;
      },
    });
    expect(await policy.check('https://fcm.googleapis.com/fcm/send/abc')).toEqual({ ok: true });
    expect(await policy.check('https://updates.push.services.mozilla.com/wpush/v2/x')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not on the public internet/) as unknown,
    });
    expect(await policy.check('https://web.push.apple.com/x')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/could not be resolved/) as unknown,
    });
  });

  it('[P3] at send time the agent’s lookup refuses a name that now resolves inward (DNS rebinding)', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', {}, (err) => resolve(err)),
    );
    expect(error?.code).toBe('ENOTPUBLIC');
  });
});
