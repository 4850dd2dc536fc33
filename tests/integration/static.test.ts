import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, tempDir, type TestRelay } from '../helpers/relay';

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the relay serves the built PWA', () => {
  const dist = tempDir();
  let relay: TestRelay;
  const script = `console.log(${JSON.stringify('x'.repeat(20_000))});\n`;

  beforeAll(async () => {
    mkdirSync(join(dist.path, 'assets'));
    writeFileSync(
      join(dist.path, 'index.html'),
      '<!doctype html><title>Wardline</title><script type="module" src="/assets/app-abc123.js"></script>',
    );
    writeFileSync(join(dist.path, 'assets', 'app-abc123.js'), script);
    writeFileSync(join(dist.path, 'sw.js'), 'self.addEventListener("fetch", () => undefined);\n');
    writeFileSync(join(dist.path, 'manifest.webmanifest'), JSON.stringify({ name: 'Wardline' }));
    relay = await startTestRelay({ STATIC_DIR: dist.path });
  });
  afterAll(async () => {
    await relay.stop();
    dist.remove();
  });

  it('compresses text assets for browsers that accept it, and caches hashed assets for a year', async () => {
    const br = await get(`${relay.url}/assets/app-abc123.js`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.body.length).toBeLessThan(script.length / 10);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const gz = await get(`${relay.url}/assets/app-abc123.js`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(script);

    const plain = await get(`${relay.url}/assets/app-abc123.js`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it('compresses a large file off the event loop: other requests are answered meanwhile', async () => {
    // ~800 KB of varied text: brotli at quality 11 takes a second or more on it. Done on the event loop (as it
    // was), /healthz could only be answered after it; a sync page or a sign-in waited the same way.
    let text = '';
    for (let i = 0; text.length < 800_000; i++) text += `const v${i} = ${(i * 7919) % 104729};\n`;
    writeFileSync(join(dist.path, 'assets', 'large-def456.js'), text);
    const order: string[] = [];
    const large = get(`${relay.url}/assets/large-def456.js`, { 'accept-encoding': 'br' }).then((r) => {
      order.push('large');
      return r;
    });
    // Asked after the large file's request has reached the relay and its compression has begun.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const health = await get(`${relay.url}/healthz`);
    order.push('health');
    expect(health.status).toBe(200);
    const answer = await large;
    expect(order).toEqual(['health', 'large']);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(answer.body).toString()).toBe(text);
  });

  it('answers app routes with index.html under a strict CSP, never cached, and missing files with 404', async () => {
    const deep = await get(`${relay.url}/tasks/t-123`);
    expect(deep.status).toBe(200);
    expect(deep.body.toString()).toMatch(/<title>Wardline<\/title>/);
    expect(deep.headers['cache-control']).toBe('no-cache');
    expect(String(deep.headers['content-security-policy'])).toMatch(/default-src 'self'.*script-src 'self'/);
    expect((await get(`${relay.url}/assets/missing-000.js`)).status).toBe(404);
  });

  it('[W4] serves the service worker and the web app manifest never cached, the worker under the CSP', async () => {
    const worker = await get(`${relay.url}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // A cached worker script would hide a deploy from every device until the cache expired.
    expect(worker.headers['cache-control']).toBe('no-cache');
    expect(String(worker.headers['content-security-policy'])).toMatch(/default-src 'self'/);

    const manifest = await get(`${relay.url}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers['content-type']).toBe('application/manifest+json');
    expect(manifest.headers['cache-control']).toBe('no-cache');
    expect(JSON.parse(manifest.body.toString())).toEqual({ name: 'Wardline' });

    // The page may register a worker and read a manifest from its own origin, and from nowhere else.
    const page = await get(`${relay.url}/`);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/(^|; )worker-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )manifest-src 'self'(;|$)/);
  });
});

describe('[I1] the sign-in pages under the CSP, and /config.json, with an identity provider', () => {
  const dist = tempDir();
  let relay: TestRelay;

  beforeAll(async () => {
    writeFileSync(join(dist.path, 'index.html'), '<!doctype html><title>Wardline</title>');
    writeFileSync(join(dist.path, 'redirect.html'), '<!doctype html><title>Signing in</title>');
    relay = await startTestRelay({
      STATIC_DIR: dist.path,
      AUTH_ISSUER: 'https://idp.hospital.example',
      AUTH_AUDIENCE: 'api://wardline',
      AUTH_JWKS_URI: 'https://idp.hospital.example/jwks',
      AUTH_SPA_CLIENT_ID: 'wardline-pwa',
      AUTH_API_SCOPE: 'api://wardline/Worklist.Access',
      IDLE_LOCK_MINUTES: '2',
    });
  });
  afterAll(async () => {
    await relay.stop();
    dist.remove();
  });

  it('tells the PWA how to sign in and when to lock; no secret in it', async () => {
    const res = await get(`${relay.url}/config.json`);
    expect(JSON.parse(res.body.toString())).toEqual({
      mode: 'production',
      idleLockMinutes: 2,
      auth: {
        clientId: 'wardline-pwa',
        authority: 'https://idp.hospital.example',
        knownAuthorities: ['idp.hospital.example'],
        protocolMode: 'OIDC',
        apiScope: 'api://wardline/Worklist.Access',
      },
    });
  });

  it('lets the app reach the authority (fetches, silent-renewal iframe) and nothing else', async () => {
    const csp = String((await get(`${relay.url}/`)).headers['content-security-policy']);
    expect(csp).toContain(
      `connect-src 'self' ${relay.url.replace('http', 'ws')} https://idp.hospital.example;`,
    );
    expect(csp).toContain("frame-src 'self' https://idp.hospital.example;");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('lets only the app itself frame the redirect bridge, and never sends its URL on as a referrer', async () => {
    const bridge = await get(`${relay.url}/redirect.html`);
    const csp = String(bridge.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(bridge.headers['referrer-policy']).toBe('no-referrer');
    expect(bridge.headers['cross-origin-opener-policy']).toBeUndefined();
  });
});
