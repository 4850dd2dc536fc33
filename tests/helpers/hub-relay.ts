import { afterAll, beforeAll } from 'vitest';
import type { WorklistClient } from './hub-client';
import { devToken, startTestRelay, type TestRelay } from './relay';

/** The tenant of the development issuer's staff, as the hub tests name it. */
export const TENANT = '7e57de00-0000-4000-8000-000000000001';

export interface BlockRelay {
  /** Set once the block's `beforeAll` has run. */
  relay: TestRelay;
  /** The integration engine's token, for `postEvents`. */
  ingest: string;
  /** Clients a test connects; all are stopped, then the relay, after the block. */
  clients: WorklistClient[];
}

/**
 * For a describe block of hub tests: one in-process relay with the integration engine's token, and the
 * clients its tests connect, all stopped after the block. Call it in the block's body.
 */
export function relayForBlock(): BlockRelay {
  const block = { ingest: '', clients: [] } as unknown as BlockRelay;
  beforeAll(async () => {
    block.relay = await startTestRelay();
    block.ingest = await devToken(block.relay.url, 'integration-engine');
  });
  afterAll(async () => {
    await Promise.all(block.clients.map((c) => c.stop()));
    await block.relay?.stop();
  });
  return block;
}
