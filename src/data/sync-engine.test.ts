import { afterEach, describe, expect, it, vi } from 'vitest';
import { HUB_EVENTS, HUB_METHODS } from '../domain';
import { aTask } from '../domain/testing/fixtures';
import { WorklistDb } from './db';
import { SyncEngine, type HubLink, type LinkState, type NetworkSignals } from './sync-engine';

/**
 * The engine on its own: no React, no store, no relay. A double stands in for the SignalR connection
 * (the network edge); these cases never reach the device database, which needs a browser's IndexedDB
 * (the pull itself is covered in real Chromium by tests/e2e/offline*.test.ts).
 */
class FakeHub implements HubLink {
  state: HubLink['state'] = 'Disconnected';
  starts = 0;
  stops = 0;
  /** What `start()` does: refuse (the relay is unreachable) unless a test says otherwise. */
  reachable = false;
  answers = new Map<string, unknown>();
  private readonly handlers = new Map<string, (...args: never[]) => void>();
  private readonly lifecycle: Record<'reconnecting' | 'reconnected' | 'close', Array<() => void>> = {
    reconnecting: [],
    reconnected: [],
    close: [],
  };

  async start(): Promise<void> {
    this.starts++;
    if (!this.reachable) throw new Error('relay unreachable');
    this.state = 'Connected';
  }
  async stop(): Promise<void> {
    this.stops++;
    this.state = 'Disconnected';
  }
  async invoke<T>(method: string): Promise<T> {
    return this.answers.get(method) as T;
  }
  on(event: string, handler: (...args: never[]) => void): void {
    this.handlers.set(event, handler);
  }
  onreconnecting(callback: () => void): void {
    this.lifecycle.reconnecting.push(callback);
  }
  onreconnected(callback: () => void): void {
    this.lifecycle.reconnected.push(callback);
  }
  onclose(callback: () => void): void {
    this.lifecycle.close.push(callback);
  }
  push(event: string, ...args: unknown[]): void {
    (this.handlers.get(event) as ((...a: unknown[]) => void) | undefined)?.(...args);
  }
  fire(what: 'reconnecting' | 'close'): void {
    for (const callback of this.lifecycle[what]) callback();
  }
}

class FakeNetwork implements NetworkSignals {
  private listeners: { offline: () => void; online: () => void } | null = null;
  watch(onOffline: () => void, onOnline: () => void): () => void {
    this.listeners = { offline: onOffline, online: onOnline };
    return () => (this.listeners = null);
  }
  goOffline(): void {
    this.listeners?.offline();
  }
  goOnline(): void {
    this.listeners?.online();
  }
  get watched(): boolean {
    return this.listeners !== null;
  }
}

function setUp() {
  const hub = new FakeHub();
  const network = new FakeNetwork();
  const links: LinkState[] = [];
  const alerts: unknown[] = [];
  const engine = new SyncEngine(
    new WorklistDb('sync-engine-test'),
    hub,
    {
      link: (s) => links.push(s),
      syncing: () => undefined,
      synced: () => undefined,
      alert: (a) => alerts.push(a),
    },
    network,
  );
  running.push(engine);
  return { hub, network, links, alerts, engine };
}

const running: SyncEngine[] = [];
afterEach(async () => {
  // A first start that keeps failing retries forever; stop() ends the loop.
  await Promise.all(running.splice(0).map((engine) => engine.stop()));
});

describe('the sync engine behind a narrow connection', () => {
  it('[S10] says connecting, then offline while the relay is unreachable, and tries again as soon as the browser is online', async () => {
    const { hub, network, links, engine } = setUp();
    void engine.start();
    await vi.waitFor(() => expect(links).toEqual(['connecting', 'offline']));
    network.goOnline();
    await vi.waitFor(() => expect(hub.starts).toBe(2));
    expect(engine.isLive).toBe(false);
  });

  it("[S10] closes the connection at once on the browser's offline event", async () => {
    const { hub, network, engine } = setUp();
    void engine.start();
    await vi.waitFor(() => expect(hub.starts).toBe(1));
    const stopsBefore = hub.stops;
    network.goOffline();
    expect(hub.stops).toBe(stopsBefore + 1);
  });

  it('reports reconnecting and a dropped connection, but not the close that stop() causes', async () => {
    const { hub, network, links, engine } = setUp();
    void engine.start();
    await vi.waitFor(() => expect(links).toContain('offline'));
    links.length = 0;
    hub.fire('reconnecting');
    hub.fire('close');
    expect(links).toEqual(['reconnecting', 'offline']);
    await engine.stop();
    hub.fire('close');
    expect(links).toEqual(['reconnecting', 'offline']);
    expect(network.watched).toBe(false);
  });

  it('[E6] hands hub alerts to its report as they came, for the receiver to validate', async () => {
    const { hub, alerts, engine } = setUp();
    void engine.start();
    hub.push(HUB_EVENTS.alert, { anything: 'as sent' });
    expect(alerts).toEqual([{ anything: 'as sent' }]);
  });

  it("parses the relay's answer to an action; a malformed one is an error, never stored", async () => {
    const { hub, engine } = setUp();
    const command = {
      commandId: 'c1',
      taskId: 't1',
      type: 'claim' as const,
      issuedAt: '2025-03-14T10:42:00.000Z',
    };
    hub.answers.set(HUB_METHODS.execute, { status: 'applied', task: aTask({ id: 't1' }) });
    expect((await engine.send(command)).status).toBe('applied');
    hub.answers.set(HUB_METHODS.execute, { status: 'applied', task: { id: 't1' } });
    await expect(engine.send(command)).rejects.toThrow();
  });
});
