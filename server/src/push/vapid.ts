import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';

const VapidKeys = z.object({ publicKey: z.string().min(20), privateKey: z.string().min(20) });
export type VapidKeys = z.infer<typeof VapidKeys>;

const FILE = 'vapid-keys.json';

/**
 * The relay's VAPID key pair: made at first start and kept in the data folder (mode 0600), so devices
 * subscribed yesterday still accept today's pushes. `:memory:` data folders get a fresh pair.
 */
export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  if (dataDir === ':memory:') return webpush.generateVAPIDKeys();
  const path = join(dataDir, FILE);
  if (existsSync(path)) return readKeys(path);
  const keys = webpush.generateVAPIDKeys();
  try {
    // `wx`: relays of one cluster share the data folder (docs/CLUSTER.md) and must sign with one pair,
    // or a push service refuses the pushes of every relay but the one a device subscribed through.
    writeFileSync(path, JSON.stringify(keys), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKeys(path);
    throw error;
  }
  chmodSync(path, 0o600);
  return keys;
}

function readKeys(path: string): VapidKeys {
  const parsed = VapidKeys.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a VAPID key file; move it away to make a new pair.`);
  return parsed.data;
}
