import { execFileSync } from 'node:child_process';
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FakeClock } from './fake-clock';
import { devToken, startTestRelay, tempDir, type TestRelay } from './relay';

/** One push a device's push service received: who it was for, and the bytes the relay sent. */
export interface ReceivedPush {
  device: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A push service on loopback, standing in for FCM/Mozilla/Apple's: HTTPS with a certificate made by the
 * test (openssl), one URL per device. It only receives; decryption is the device's job (`decrypt`).
 */
export async function startPushService(dir: string): Promise<{
  url: string;
  agent: Agent;
  /** What a test relay needs to push here: the agent, and the test-only allowance of this origin. */
  relayParts: { pushAgent: Agent; pushTestOrigins: string[] };
  received: ReceivedPush[];
  close(): Promise<void>;
}> {
  const key = join(dir, 'push-key.pem');
  const cert = join(dir, 'push-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const received: ReceivedPush[] = [];
  const server: Server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        device: (req.url ?? '').replace('/push/', ''),
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `https://127.0.0.1:${port}`;
  const agent = new Agent({ ca: readFileSync(cert) });
  return {
    url,
    agent,
    relayParts: { pushAgent: agent, pushTestOrigins: [url] },
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A browser's push keys, as `pushManager.subscribe` makes them. */
export function deviceKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    json: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
  };
}

/** Decrypts an `aes128gcm` Web Push body (RFC 8291 key derivation over an RFC 8188 record), as a device does. */
export function decrypt(body: Buffer, device: ReturnType<typeof deviceKeys>): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20] ?? 0;
  const senderPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const shared = device.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), device.ecdh.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, device.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02 followed by optional zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  return padded.subarray(0, end).toString('utf8');
}

export type PushService = Awaited<ReturnType<typeof startPushService>>;

/** A relay on a clock the test moves, sending its Web Push to a test push service. */
export interface PushRelay {
  relay: TestRelay;
  pushService: PushService;
  /** Registers `device`'s endpoint at the push service for `staffId`, as the PWA does (expects 201). */
  subscribe(staffId: string, device: string, keys: { p256dh: string; auth: string }): Promise<void>;
  stop(): Promise<void>;
}

/** The setup every Web Push test file shares; `stop` ends the relay, the push service and their folder. */
export async function startPushRelay(
  env: Record<string, string>,
  clock: FakeClock,
  dirPrefix?: string,
): Promise<PushRelay> {
  const dir = tempDir(dirPrefix);
  const pushService = await startPushService(dir.path);
  const relay = await startTestRelay(env, { clock, ...pushService.relayParts });
  return {
    relay,
    pushService,
    async subscribe(staffId, device, keys) {
      const token = await devToken(relay.url, staffId);
      const res = await fetch(`${relay.url}/api/push/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint: `${pushService.url}/push/${device}`, keys }),
      });
      expect(res.status).toBe(201);
    },
    async stop() {
      await relay.stop();
      await pushService.close();
      dir.remove();
    },
  };
}
