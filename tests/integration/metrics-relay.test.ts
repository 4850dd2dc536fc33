import { afterAll, describe, expect, it } from 'vitest';
import { connectAs, eventually } from '../helpers/hub-client';
import { spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';

/** Sums every sample of one metric family in Prometheus text, checking each line's grammar on the way. */
function sum(text: string, family: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(match, `not Prometheus text: ${line}`).not.toBeNull();
    if (match?.[1] === family) total += Number(match[3]);
  }
  return total;
}

describe('/metrics on a relay running the demo', () => {
  const data = tempDir();
  let child: ChildRelay | undefined;
  afterAll(() => {
    child?.process.kill('SIGKILL');
    data.remove();
  });

  it('parses as Prometheus text and its counters move while the demo runs and staff work', async () => {
    child = await spawnRelay({ DATA_DIR: data.path, DEMO_FEED: 'on', DEMO_RATE: '3000' });
    const scrape = async () => {
      const res = await fetch(`${child!.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return res.text();
    };
    const first = await scrape();
    const nurse = await connectAs(child.url, 'nurse-okafor', { transport: 'LongPolling' });
    const view = await nurse.syncAll(0);
    const open = [...view.tasks.values()].find((t) => !t.owner);
    if (open) await nurse.execute(open.id, 'claim');
    // The demo feed keeps ingesting: wait for the counters to move rather than sleep a fixed time
    // (a loaded machine ingested nothing new in 1.5 s). The assertions below are unchanged.
    const second = await eventually(async () => {
      const text = await scrape();
      const moved =
        sum(text, 'wardline_messages_in_total') > sum(first, 'wardline_messages_in_total') &&
        sum(text, 'wardline_ingest_lag_seconds_count') > sum(first, 'wardline_ingest_lag_seconds_count');
      return moved ? text : false;
    }, 30_000).catch(() => scrape());
    await nurse.stop();

    expect(sum(second, 'wardline_messages_in_total')).toBeGreaterThan(
      sum(first, 'wardline_messages_in_total'),
    );
    expect(sum(second, 'wardline_ingest_lag_seconds_count')).toBeGreaterThan(
      sum(first, 'wardline_ingest_lag_seconds_count'),
    );
    expect(sum(second, 'wardline_hub_method_duration_seconds_count')).toBeGreaterThan(0);
    expect(second).toMatch(/wardline_hub_connections\{transport="LongPolling"\} 1/);
  });
});
