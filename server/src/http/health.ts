import type { Router } from './router';
import { sendJson } from './json';
import type { StoreEngine } from '../store/engine';

export interface InboundSourceState {
  name: string;
  connected: boolean;
}

export interface HealthDeps {
  /** Asked on every `/readyz`: a lost PostgreSQL connection shows here until the pool reconnects. */
  db: Pick<StoreEngine, 'ping'>;
  /** The inbound source (HTTP ingest, later Service Bus) and whether it is connected. */
  inbound: () => InboundSourceState;
  /** RELAY_ID: which relay behind the load balancer answered. */
  relayId?: string;
}

/** `/healthz`: the process answers. `/readyz`: it can do its job — store open, inbound source connected. */
export function registerHealthRoutes(router: Router, { db, inbound, relayId }: HealthDeps): void {
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'alive' }));
  router.get('/readyz', async (_req, res) => {
    const storeOpen = await db.ping();
    const source = inbound();
    const ready = storeOpen && source.connected;
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'not-ready',
      ...(relayId ? { relayId } : {}),
      checks: {
        store: storeOpen ? 'open' : 'unavailable',
        inbound: { source: source.name, connected: source.connected },
      },
    });
  });
}
