import {
  HttpTransportType,
  HubConnectionBuilder,
  LogLevel,
  type HubConnection,
  type IHttpConnectionOptions,
  type IRetryPolicy,
} from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { EventSource } from 'eventsource';
import type { ActionResult, Command, Task } from '../../src/domain';
import type { SyncPage } from '../../server/src/hub/sync';
import { devToken } from './relay';
import { randomUUID } from 'node:crypto';

export type TransportChoice = 'WebSockets' | 'ServerSentEvents' | 'LongPolling';
export type ProtocolChoice = 'json' | 'messagepack';

export interface ClientOptions {
  transport?: TransportChoice;
  protocol?: ProtocolChoice;
  /** Automatic reconnect with these delays (ms); off when absent. */
  reconnectDelays?: number[];
  /** Automatic reconnect with this policy (the PWA's own, `foreverRetry`); wins over `reconnectDelays`. */
  retryPolicy?: IRetryPolicy;
  /** Where a (fresh) access token comes from; the development issuer's `/dev/token` when absent. */
  token?: () => Promise<string>;
}

/** What one client saw pushed by the relay, in order. */
export interface Received {
  changed: Task[];
  removed: Array<{ id: string; seq: number }>;
}

export interface WorklistClient {
  connection: HubConnection;
  received: Received;
  sync(cursor: number): Promise<SyncPage>;
  /** Every page until complete: the caller's whole view, and the cursor to resume from. */
  syncAll(cursor?: number): Promise<{ tasks: Map<string, Task>; removed: string[]; cursor: number }>;
  execute(
    taskId: string,
    type: Command['type'],
    payload?: unknown,
    commandId?: string,
  ): Promise<ActionResult>;
  stop(): Promise<void>;
}

/**
 * The official @microsoft/signalr client, configured as the PWA configures it (plus Node's EventSource
 * for SSE), signed in as one of the demo staff through the development issuer.
 */
export async function connectAs(
  relayUrl: string,
  staffId: string,
  options: ClientOptions = {},
): Promise<WorklistClient> {
  const freshToken = options.token ?? (() => devToken(relayUrl, staffId));
  let token = await freshToken();
  // `EventSource` is a runtime option the client's typings leave out; Node has no global one.
  const http = {
    transport: HttpTransportType[options.transport ?? 'WebSockets'],
    accessTokenFactory: () => token,
    EventSource,
  } as IHttpConnectionOptions;
  let builder = new HubConnectionBuilder()
    .withUrl(`${relayUrl}/hubs/worklist`, http)
    .configureLogging(LogLevel.None);
  if (options.protocol === 'messagepack') builder = builder.withHubProtocol(new MessagePackHubProtocol());
  if (options.retryPolicy) {
    builder = builder.withAutomaticReconnect(options.retryPolicy);
  } else if (options.reconnectDelays) {
    const delays = options.reconnectDelays;
    const policy: IRetryPolicy = {
      nextRetryDelayInMilliseconds: (ctx) =>
        delays[Math.min(ctx.previousRetryCount, delays.length - 1)] ?? 1000,
    };
    builder = builder.withAutomaticReconnect(policy);
  }
  const connection = builder.build();
  const received: Received = { changed: [], removed: [] };
  connection.on('taskChanged', (task: Task) => received.changed.push(task));
  connection.on('taskRemoved', (id: string, seq: number) => received.removed.push({ id, seq }));
  connection.onreconnecting(() => {
    void freshToken().then(
      (t) => (token = t),
      () => undefined,
    );
  });
  await connection.start();

  const client: WorklistClient = {
    connection,
    received,
    sync: (cursor) => connection.invoke<SyncPage>('sync', cursor),
    async syncAll(cursor = 0) {
      const tasks = new Map<string, Task>();
      const removed: string[] = [];
      let at = cursor;
      for (;;) {
        const page = await client.sync(at);
        for (const task of page.tasks) tasks.set(task.id, task);
        removed.push(...page.removed);
        at = page.cursor;
        if (page.complete) return { tasks, removed, cursor: at };
      }
    },
    execute: (taskId, type, payload, commandId = randomUUID()) =>
      connection.invoke<ActionResult>('execute', {
        commandId,
        taskId,
        type,
        payload,
        issuedAt: new Date().toISOString(),
      }),
    stop: () => connection.stop(),
  };
  return client;
}

/** Waits until `check` passes (it throws or returns false until then), polling briefly. */
export async function eventually<T>(
  check: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw lastError instanceof Error ? lastError : new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A client-side copy of the worklist kept the way the PWA keeps it: sync pages set the cursor; live
 * pushes update tasks but never move the cursor (a push may arrive while an earlier change was missed);
 * after every reconnect, `sync(cursor)` catches up. A task is replaced only by a newer seq.
 */
export class Mirror {
  readonly tasks = new Map<string, Task>();
  cursor = 0;
  private readonly removedAt = new Map<string, number>();

  /** Called when a catch-up after a reconnect has finished (a benchmark times resyncs with it). */
  onResynced: (() => void) | null = null;

  constructor(readonly client: WorklistClient) {
    client.connection.on('taskChanged', (task: Task) => this.put(task));
    client.connection.on('taskRemoved', (id: string, seq: number) => this.remove(id, seq));
    // A catch-up cut short by another drop is redone at the next reconnect.
    client.connection.onreconnected(
      () =>
        void this.catchUp().then(
          () => this.onResynced?.(),
          () => undefined,
        ),
    );
  }

  put(task: Task): void {
    const current = this.tasks.get(task.id);
    if (current && current.seq >= task.seq) return;
    if ((this.removedAt.get(task.id) ?? 0) >= task.seq) return;
    this.tasks.set(task.id, task);
  }

  remove(id: string, seq: number): void {
    const current = this.tasks.get(id);
    if (current && current.seq > seq) return;
    this.tasks.delete(id);
    this.removedAt.set(id, seq);
  }

  async catchUp(): Promise<void> {
    // [H1] A sync from cursor 0 is a full snapshot: whatever it does not list is no longer ours.
    const full = this.cursor === 0 ? new Set<string>() : null;
    for (;;) {
      const page = await this.client.sync(this.cursor);
      for (const task of page.tasks) {
        this.put(task);
        full?.add(task.id);
      }
      for (const id of page.removed) this.remove(id, page.cursor);
      this.cursor = page.cursor;
      if (!page.complete) continue;
      if (full)
        for (const [id, task] of this.tasks)
          if (!full.has(id) && task.seq <= page.cursor) this.tasks.delete(id);
      return;
    }
  }

  /** Open tasks as `id:seq:version`, sorted: equal strings mean equal views. */
  checksum(): string {
    return checksumOf(this.tasks.values());
  }
}

export function checksumOf(tasks: Iterable<Task>): string {
  return [...tasks]
    .filter((t) => !['completed', 'cancelled', 'failed'].includes(t.status))
    .map((t) => `${t.id}:${t.seq}:${t.version}`)
    .sort()
    .join('|');
}
