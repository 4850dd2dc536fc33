/**
 * `npm run cluster`: the demo hospital on three relays behind HAProxy, on one machine, for anyone to
 * watch a relay die (docs/CLUSTER.md). PostgreSQL runs from a temp folder (as the `postgres` user when
 * run as root, like the tests); the demo feed runs here and posts through HAProxy, so it keeps going
 * whichever relay is killed. Ctrl-C stops everything and removes the temp folders.
 *
 * PORT (default 8080) is HAProxy's port; RELAYS (default 3) how many relays.
 */
import pg from 'pg';
import { join } from 'node:path';
import { createDemoFeed } from '../server/src/demo/feed';
import { createLogger } from '../server/src/log';
import { startCluster, type Cluster } from '../tests/helpers/cluster';
import { startTestPostgres, type TestPostgres } from '../tests/helpers/postgres';
import { devToken, ROOT } from '../tests/helpers/relay';

const port = Number(process.env.PORT ?? 8080);
const relayCount = Number(process.env.RELAYS ?? 3);

async function main(): Promise<void> {
  let postgres: TestPostgres | null = null;
  let cluster: Cluster | null = null;
  let stopFeed: (() => Promise<void>) | null = null;
  let watching: NodeJS.Timeout | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the feed, the relays, HAProxy and PostgreSQL…');
    if (watching) clearInterval(watching);
    await stopFeed?.().catch(() => undefined);
    await cluster?.stop().catch((e: unknown) => console.error(e));
    await postgres?.stop().catch((e: unknown) => console.error(e));
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    console.log('Starting PostgreSQL in a temp folder…');
    postgres = await startTestPostgres();
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE wardline');
    await admin.end();
    const databaseUrl = new URL(postgres.url);
    databaseUrl.pathname = '/wardline';

    console.log(`Starting ${relayCount} relays and HAProxy…`);
    cluster = await startCluster({
      databaseUrl: databaseUrl.toString(),
      relays: relayCount,
      port,
      env: { STATIC_DIR: join(ROOT, 'dist'), DEMO_FEED: 'off' },
    });
    const url = cluster.url;

    // The integration engine's token, renewed before its hour is up; posts retry until a relay takes them
    // (event ids make a resend harmless: ST3).
    let token = await devToken(url, 'integration-engine');
    const renew = setInterval(
      () => void devToken(url, 'integration-engine').then((t) => (token = t)),
      30 * 60_000,
    );
    renew.unref();
    const ingest = async (events: unknown[]) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`${url}/api/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(events),
          });
          if (res.status < 500) return (await res.json()) as unknown;
        } catch {
          // HAProxy had no relay to give the request to; try again.
        }
        if (stopping) throw new Error('stopping');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
      }
    };
    const feed = createDemoFeed({
      seed: Number(process.env.DEMO_SEED ?? 1),
      ratePerMinute: Number(process.env.DEMO_RATE_PER_MINUTE ?? 30),
      ingest,
      logger: createLogger({ level: 'warn' }),
    });
    await feed.start();
    stopFeed = () => feed.stop();

    console.log(`
Wardline cluster: open ${url} (HAProxy; sign in as any demo staff member).
HAProxy's view of the relays: ${cluster.haproxy.statsUrl} (changes are printed below)
`);
    for (const relay of cluster.relays) {
      console.log(`  ${relay.id}  ${relay.url}  pid ${relay.process?.pid ?? '-'}`);
    }
    const first = cluster.relays[0]!;
    console.log(`
Kill a relay:   kill -9 ${first.process?.pid ?? '<pid>'}     (its phones reconnect to another relay and catch up)
Freeze one:     kill -STOP <pid>, then kill -CONT <pid>
Ctrl-C stops everything.
`);

    // Say when HAProxy's view changes, and start a killed relay again after 10 s (as a supervisor would).
    const last = new Map<string, string>();
    const restarting = new Set<string>();
    watching = setInterval(() => {
      void cluster!.haproxy.servers().then(
        (states) => {
          for (const s of states) {
            if (last.get(s.id) !== s.status) console.log(`${new Date().toISOString()}  ${s.id}: ${s.status}`);
            last.set(s.id, s.status);
          }
          for (const relay of cluster!.relays) {
            if (relay.running || restarting.has(relay.id) || stopping) continue;
            restarting.add(relay.id);
            console.log(`${new Date().toISOString()}  ${relay.id} exited; starting it again in 10 s`);
            setTimeout(() => {
              relay.start().then(
                () => {
                  restarting.delete(relay.id);
                  console.log(
                    `${new Date().toISOString()}  ${relay.id} started again, pid ${relay.process?.pid}`,
                  );
                },
                (error: unknown) => {
                  restarting.delete(relay.id);
                  console.error(`${relay.id} did not start: ${(error as Error).message.split('\n')[0]}`);
                },
              );
            }, 10_000);
          }
        },
        () => undefined,
      );
    }, 1_000);
  } catch (error) {
    console.error(`wardline cluster: ${(error as Error).message}`);
    await stop(1);
  }
}

void main();
