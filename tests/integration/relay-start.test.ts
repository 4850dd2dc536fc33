import { describe, expect, it } from 'vitest';
import { failedStart, spawnRelay, tempDir } from '../helpers/relay';

describe('the relay at start', () => {
  it('refuses development mode when NODE_ENV=production, in one clear sentence, exiting non-zero', async () => {
    const data = tempDir();
    const { code, output } = await failedStart({ NODE_ENV: 'production', DATA_DIR: data.path });
    data.remove();
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^wardline: Development mode \(demo sign-in\) is refused when NODE_ENV=production/,
    );
  });

  it('names every configuration problem at once, one sentence each', async () => {
    const data = tempDir();
    const { code, output } = await failedStart({
      PORT: 'eighty',
      TIME_ZONE: 'Mars/Olympus',
      DEMO_FEED: 'maybe',
      DATA_DIR: data.path,
    });
    data.remove();
    expect(code).toBe(1);
    expect(output).toMatch(/PORT must be a whole number/);
    expect(output).toMatch(/TIME_ZONE "Mars\/Olympus" is not an IANA time zone/);
    expect(output).toMatch(/DEMO_FEED must be on or off/);
    expect(output.trim().split('\n')).toHaveLength(3);
  });

  it('stops cleanly on SIGTERM', async () => {
    const data = tempDir();
    const child = await spawnRelay({ DATA_DIR: data.path });
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    data.remove();
  });
});
