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
  if (existsSync(path)) {
    const parsed = VapidKeys.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(`${path} is not a VAPID key file; move it away to make a new pair.`);
    return parsed.data;
  }
  const keys = webpush.generateVAPIDKeys();
  writeFileSync(path, JSON.stringify(keys), { mode: 0o600 });
  chmodSync(path, 0o600);
  return keys;
}
