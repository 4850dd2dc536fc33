/**
 * The relay's side of the store (docs/STORE.md ST11–ST12): what an operator sees when the database
 * cannot be used at start, and a connection lost while running.
 */
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { routed } from '../helpers/events';
import { devToken, failedStart, postEvents, startTestRelay, tempDir, type TestRelay } from '../helpers/relay';
import { testDatabase, type TestDatabase } from '../helpers/postgres';
import { ENGINES, openEngine } from '../helpers/store-engines';

describe('the relay and its database', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function database(): Promise<TestDatabase> {
    const db = await testDatabase(inject('postgresUrl'));
    cleanup.push(() => db.drop());
    return db;
  }

  function withPassword(url: string, password: string): string {
    const u = new URL(url);
    u.password = password;
    return u.toString();
  }

  function oneSentence(output: string): string {
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0]!;
  }

  /** A relay given `url` that must exit 1 with one sentence; returns the sentence. */
  async function refusal(url: (db: TestDatabase) => string): Promise<string> {
    const data = tempDir();
    cleanup.push(() => data.remove());
    const db = await database();
    const { code, output } = await failedStart({ DATA_DIR: data.path, DATABASE_URL: url(db) });
    expect(code).toBe(1);
    expect(output).not.toContain('not-the-password');
    return oneSentence(output);
  }

  it('[ST11] a wrong password is one sentence and exit 1, without the password', async () => {
    expect(await refusal((db) => withPassword(db.url, 'not-the-password'))).toMatch(
      /^wardline: PostgreSQL at 127\.0\.0\.1:\d+\/wardline_\w+ refused the user name or password in DATABASE_URL\.$/,
    );
  });

  it('[ST11] a missing database is one sentence and exit 1', async () => {
    const missing = (db: TestDatabase) => {
      const url = new URL(db.url);
      url.pathname = '/no_such_database';
      return url.toString();
    };
    expect(await refusal(missing)).toMatch(/does not exist: create the database first\.$/);
  });

  it('[ST11] an unreachable server is one sentence and exit 1', async () => {
    const closed = (db: TestDatabase) => {
      const url = new URL(db.url);
      url.port = '1';
      return url.toString();
    };
    expect(await refusal(closed)).toMatch(
      /cannot be reached \(ECONNREFUSED\); check the host, port and firewall\.$/,
    );
  });

  it.each(ENGINES)(
    '[ST12] on %s, a database migrated by a newer relay is refused with one sentence',
    async (engine) => {
      const data = tempDir();
      const store = await openEngine(engine);
      cleanup.push(async () => {
        await store.close();
        data.remove();
      });
      await store.engine.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        999,
        'from_the_future',
        new Date().toISOString(),
      ]);
      const { code, output } = await failedStart({ DATA_DIR: data.path, ...store.env });
      expect(code).toBe(1);
      expect(oneSentence(output)).toMatch(
        /^wardline: The database has schema version 999 but this relay knows only up to \d+: run a relay at least as new as the one that migrated it\.$/,
      );
    },
  );

  it('[ST11] a connection lost while running makes /readyz say so, and the relay recovers without a restart', async () => {
    const db = await database();
    const name = new URL(db.url).pathname.slice(1);
    const relay: TestRelay = await startTestRelay({ DATABASE_URL: db.url });
    cleanup.push(() => relay.stop());
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    cleanup.push(async () => {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
    });
    const ready = async () => {
      const res = await fetch(`${relay.url}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks: { store: string } } };
    };
    expect((await ready()).status).toBe(200);
    const token = await devToken(relay.url, 'integration-engine');

    // The database goes away under the relay: every connection cut, no new ones allowed.
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.checks.store).toBe('unavailable');
    const refused = await fetch(`${relay.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(routed('while-down', 1)),
    });
    expect(refused.status).toBe(500); // not acknowledged, so upstream sends it again

    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    expect((await ready()).status).toBe(200);
    const res = await postEvents(relay.url, token, routed('after-recovery', 1));
    expect(res.status).toBe(202);
    expect((await relay.relay.store.getTask('after-recovery'))?.id).toBe('after-recovery');
    expect(relay.logs.text).not.toContain('Testpatient');
  });
});
