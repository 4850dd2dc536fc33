import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config';
import { devToken, startTestRelay, tempDir, type TestRelay } from '../helpers/relay';

/**
 * docs/SECURITY.md L1–L2, N1–N6, D1–D2: each attack from the issue, against a real relay. Requests go
 * through node:http so a test can set the Host header a rebinding page would send.
 */

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The first line of the relay's answer to a raw WebSocket upgrade. */
function upgradeStatus(url: string, host: string, path: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.includes('\r\n')) {
        resolve(text.split('\r\n')[0] ?? '');
        socket.destroy();
      }
    });
    socket.on('error', reject);
  });
}

describe('development relay: logs, Host, CSP, small items', () => {
  const dist = tempDir();
  let relay: TestRelay;

  beforeAll(async () => {
    writeFileSync(join(dist.path, 'index.html'), '<!doctype html><title>Wardline</title>');
    relay = await startTestRelay({ STATIC_DIR: dist.path });
  });
  afterAll(async () => {
    await relay.stop();
    dist.remove();
  });

  it('[L1] a token under a percent-encoded or upper-case query name never reaches a log line', async () => {
    const token = await devToken(relay.url, 'nurse-okafor');
    for (const name of ['%61ccess_token', 'ACCESS_TOKEN', 'access%5Ftoken', 'Access_Token']) {
      const res = await get(`${relay.url}/api/me?${name}=${token}`);
      expect(res.status).toBe(401);
    }
    await get(`${relay.url}/api/nothing-here?whatever=${token}`);
    expect(relay.logs.text).not.toContain(token);
    expect(relay.logs.text).not.toContain(token.split('.')[2]!);
  });

  it('[L2] a hub connection token never reaches a log line, even in a refusal', async () => {
    const token = await devToken(relay.url, 'nurse-okafor');
    const negotiate = await fetch(`${relay.url}/hubs/worklist/negotiate?negotiateVersion=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const { connectionToken } = (await negotiate.json()) as { connectionToken: string };
    expect(connectionToken.length).toBeGreaterThan(10);
    // Without a bearer token, and with another person's: both refused, both logged.
    expect((await get(`${relay.url}/hubs/worklist?id=${connectionToken}`)).status).toBe(401);
    const other = await devToken(relay.url, 'nurse-brightwater');
    await get(`${relay.url}/hubs/worklist?id=${connectionToken}`, { authorization: `Bearer ${other}` });
    expect(relay.logs.text).not.toContain(connectionToken);
  });

  it('[N1] the CSP lets the page reach only the relay’s own WebSocket origin, not any ws:/wss: host', async () => {
    const csp = String((await get(`${relay.url}/`)).headers['content-security-policy']);
    const connect = /connect-src ([^;]+)/.exec(csp)?.[1] ?? '';
    expect(connect.split(' ')).toEqual(["'self'", relay.url.replace('http://', 'ws://')]);
  });

  it('[N2] a request naming another host (DNS rebinding) is refused, on HTTP and on WebSocket upgrades', async () => {
    const port = new URL(relay.url).port;
    const rebinding = `attacker.example:${port}`;
    const me = await get(`${relay.url}/dev/staff`, { host: rebinding });
    expect(me.status).toBe(421);
    expect(JSON.parse(me.body)).toMatchObject({ error: { code: 'wrong-host' } });
    expect((await get(`${relay.url}/`, { host: rebinding })).status).toBe(421);
    expect(await upgradeStatus(relay.url, rebinding, '/hubs/worklist')).toMatch(/^HTTP\/1\.1 421/);
    // The relay's own names still work, and probes answer on any name (pods are probed by IP).
    expect((await get(`${relay.url}/dev/staff`, { host: `localhost:${port}` })).status).toBe(200);
    // The PWA's development server proxies from its own port with its own loopback Host.
    expect((await get(`${relay.url}/dev/staff`, { host: 'localhost:5173' })).status).toBe(200);
    expect((await get(`${relay.url}/healthz`, { host: rebinding })).status).toBe(200);
  });

  it('[N5] a malformed percent-encoding is a 400 with a sentence, not a 500 with an error log', async () => {
    for (const path of ['/api/tasks/%E0%A4%A/history', '/%zz', '/assets/%']) {
      const res = await get(`${relay.url}${path}`);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid' } });
    }
    expect(relay.logs.records().filter((r) => Number(r.level) >= 50)).toEqual([]);
  });

  it('[N6] JSON answers carry X-Content-Type-Options: nosniff', async () => {
    for (const path of ['/config.json', '/dev/staff', '/api/me', '/no-such-route']) {
      expect((await get(`${relay.url}${path}`)).headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('[N3] development mode stays on this machine', () => {
  it.each(['0.0.0.0', '::', '10.1.2.3', 'wardline.hospital.example'])(
    'refuses HOST=%s in development mode with one sentence',
    (host) => {
      const loaded = loadConfig({ HOST: host, DATA_DIR: '/tmp/x' });
      expect(loaded.ok).toBe(false);
      expect(!loaded.ok && loaded.problems.join(' ')).toMatch(/Development mode listens on loopback only/);
    },
  );

  it('production on a wider HOST needs PUBLIC_ORIGIN', () => {
    const production = {
      HOST: '0.0.0.0',
      AUTH_ISSUER: 'https://idp.hospital.example',
      AUTH_AUDIENCE: 'api://wardline',
      AUTH_JWKS_URI: 'https://idp.hospital.example/jwks',
    };
    const without = loadConfig(production);
    expect(!without.ok && without.problems.join(' ')).toMatch(/needs PUBLIC_ORIGIN/);
    expect(loadConfig({ ...production, PUBLIC_ORIGIN: 'https://wardline.hospital.example' }).ok).toBe(true);
  });
});

describe('production relay: /metrics and the public origin', () => {
  const production = {
    AUTH_ISSUER: 'https://idp.hospital.example',
    AUTH_AUDIENCE: 'api://wardline',
    AUTH_JWKS_URI: 'https://idp.hospital.example/jwks',
    PUBLIC_ORIGIN: 'https://wardline.hospital.example',
  };
  let closed: TestRelay;
  let open: TestRelay;
  beforeAll(async () => {
    closed = await startTestRelay(production);
    open = await startTestRelay({ ...production, METRICS_PUBLIC: 'true' });
  });
  afterAll(async () => {
    await closed.stop();
    await open.stop();
  });

  it('[N4] without METRICS_TOKEN, /metrics refuses every scrape and says so at start', async () => {
    const res = await get(`${closed.url}/metrics`);
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('wardline_');
    expect(closed.logs.records().some((r) => r.event === 'metrics.closed' && r.level === 40)).toBe(true);
  });

  it('[N4] METRICS_PUBLIC=true opens it, and the start-up log warns about it', async () => {
    expect((await get(`${open.url}/metrics`)).status).toBe(200);
    expect(open.logs.records().some((r) => r.event === 'metrics.public' && r.level === 40)).toBe(true);
  });

  it('[N2] production answers its PUBLIC_ORIGIN host and refuses others', async () => {
    expect((await get(`${closed.url}/config.json`, { host: 'wardline.hospital.example' })).status).toBe(200);
    expect((await get(`${closed.url}/config.json`, { host: 'wardline.attacker.example' })).status).toBe(421);
  });
});

describe('the data folder is the relay’s alone', () => {
  const parent = tempDir();
  afterAll(() => parent.remove());

  it('[D1] a new data folder is 0700 and the database files in it 0600', async () => {
    const dataDir = join(parent.path, 'fresh', 'data');
    const relay = await startTestRelay({ DATA_DIR: dataDir });
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const file of ['wardline.db', 'wardline.db-wal', 'wardline.db-shm'])
        expect(statSync(join(dataDir, file)).mode & 0o777, file).toBe(0o600);
    } finally {
      await relay.stop();
    }
  });

  it('[D2] a folder or file open to others is named at start in one sentence', async () => {
    const dataDir = join(parent.path, 'shared');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'wardline.db'), '');
    chmodSync(join(dataDir, 'wardline.db'), 0o644);
    const relay = await startTestRelay({ DATA_DIR: dataDir });
    try {
      const warning = relay.logs.records().find((r) => r.event === 'data-folder.too-wide');
      expect(warning?.msg).toMatch(
        /others may read it \(the folder is 0755, wardline\.db is 0644\).*chmod 700/,
      );
    } finally {
      await relay.stop();
    }
  });
});
