import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config';

/** docs/STORE.md CL1: RELAY_ID names a relay among several on one database. */
describe('RELAY_ID', () => {
  it('[CL1] is taken as given when it is a short label', () => {
    const loaded = loadConfig({ RELAY_ID: 'relay-b' });
    expect(loaded.ok && loaded.config.relayId).toBe('relay-b');
  });

  it('[CL1] defaults to the host name, cut to a label', () => {
    const loaded = loadConfig({});
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.config.relayId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/);
    expect(hostname()).toContain(loaded.config.relayId.slice(0, 8));
  });

  it('[CL1] one that would break a metric label or a log field is refused in one sentence', () => {
    const loaded = loadConfig({ RELAY_ID: 'relay "a" b' });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.problems).toContain(
      'RELAY_ID "relay "a" b" must be 1–63 letters, digits, dots, dashes or underscores (for example relay-a).',
    );
  });
});
