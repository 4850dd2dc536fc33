import { afterEach, inject } from 'vitest';
import { connectAs, type WorklistClient } from './hub-client';
import { testDatabase } from './postgres';
import { startTestRelay } from './relay';

/**
 * Several relays on one throwaway PostgreSQL database, for a `describe` block: each test makes its
 * database, relays and clients through these, and everything is stopped after the test, newest first.
 * `relayEnv` is what every relay of the block runs with besides its `DATABASE_URL` and `RELAY_ID`.
 */
export function clusterRig(relayEnv: () => Record<string, string>) {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  return {
    /** Anything else a test starts, stopped with the rest. */
    cleanup,
    async database(): Promise<string> {
      const db = await testDatabase(inject('postgresUrl'));
      cleanup.push(() => db.drop());
      return db.url;
    },
    async relay(url: string, id: string, parts: Parameters<typeof startTestRelay>[1] = {}) {
      const started = await startTestRelay({ DATABASE_URL: url, RELAY_ID: id, ...relayEnv() }, parts);
      cleanup.push(() => started.stop());
      return started;
    },
    async client(relayUrl: string, staffId: string): Promise<WorklistClient> {
      const connected = await connectAs(relayUrl, staffId);
      cleanup.push(() => connected.stop());
      return connected;
    },
  };
}
