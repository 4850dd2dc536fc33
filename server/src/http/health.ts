import type { Router } from './router';
import { sendJson } from './json';
import type { Db } from '../store/database';

export interface InboundSourceState {
  name: string;
  connected: boolean;
}

export interface HealthDeps {
  db: Db;
  /** The inbound source (HTTP ingest, later Service Bus) and whether it is connected. */
  inbound: () => InboundSourceState;
}

/** `/healthz`: the process answers. `/readyz`: it can do its job — store open, inbound source connected. */
export function registerHealthRoutes(router: Router, { db, inbound }: HealthDeps): void {
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'alive' }));
  router.get('/readyz', (_req, res) => {
    let storeOpen: boolean;
    try {
      storeOpen = db.open && db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      storeOpen = false;
    }
    const source = inbound();
    const ready = storeOpen && source.connected;
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'not-ready',
      checks: {
        store: storeOpen ? 'open' : 'unavailable',
        inbound: { source: source.name, connected: source.connected },
      },
    });
  });
}
