import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config';
import { startTestRelay, type TestRelay } from '../helpers/relay';

/** `METRICS_TOKEN` reaches `/metrics` through the composition root, and a weak one is refused at start. */
describe('METRICS_TOKEN', () => {
  const token = 'a3f1c0de9b7e4d2a8c6b5e4f3a2b1c0d';
  let relay: TestRelay;

  beforeAll(async () => {
    relay = await startTestRelay({ METRICS_TOKEN: token });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('a relay with METRICS_TOKEN answers /metrics 401 without it and 200 with it', async () => {
    const none = await fetch(`${relay.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="wardline-metrics"');
    const wrong = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE wardline_hub_connections gauge');
  });

  it('without METRICS_TOKEN, /metrics is open (the default, for a scraper on a private network)', async () => {
    const open = await startTestRelay();
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it('a short METRICS_TOKEN is one sentence at start, not a weak lock', () => {
    const loaded = loadConfig({ METRICS_TOKEN: 'secret' });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok)
      expect(loaded.problems).toEqual([expect.stringMatching(/^METRICS_TOKEN must be at least 32/)]);
  });
});
