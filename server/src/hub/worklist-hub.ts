import {
  Command,
  HUB_EVENTS,
  HUB_PATH,
  explainIssues,
  isMemberOf,
  visibleTo,
  type ActionResult,
  type AssignBedsResult,
  type Principal,
  type UnitAssignments,
} from '../../../src/domain';
import type { AssignmentService } from '../assignments/service';
import { authorize, type Authenticator, type StaffDirectory, type StaffEntry } from '../auth';
import type { Logger } from '../log';
import { timeHubMethods, type OperationalMetrics } from '../metrics';
import {
  createSignalRServer,
  HubError,
  type SignalRConnection,
  type SignalRServer,
  type TransportName,
} from '../signalr';
import type { SignalRLimits } from '../signalr';
import type { CommittedChange, WorklistStore } from '../store/contract';
import { AudienceIndex } from './audience';
import { createSyncPacer, syncPage, type SyncPacer } from './sync';

export const WORKLIST_HUB_PATH = HUB_PATH;

/** The longest delay `setTimeout` honours (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The caller behind a connection. Roles come from the token; units are re-read from the staff directory
 * before every method and on every directory change, so the box is mutable while the connection lives.
 */
export interface Caller {
  principal: Principal;
  /** When the token the connection started with stops being valid (ms since the epoch). */
  tokenExpiresAt: number;
}

/**
 * A connection lives no longer than its token: at `exp` the relay closes it with `allowReconnect`, so
 * the client reconnects with a renewed token, and someone whose sign-in was revoked (no renewal
 * possible) is cut off within one token lifetime instead of staying connected for days.
 */
const TOKEN_EXPIRED_CLOSE = {
  error: 'Connection closed: the access token expired; reconnect with a new one.',
  allowReconnect: true,
} as const;

export interface WorklistHubDeps {
  store: WorklistStore;
  directory: StaffDirectory;
  authenticator: Authenticator;
  logger: Logger;
  allowedOrigins: readonly string[];
  transports?: readonly TransportName[];
  limits?: Partial<SignalRLimits>;
  /** The relay's id in front of every connection token, for routing behind a load balancer (CLUSTER.md). */
  connectionTokenPrefix?: string;
  metrics?: Pick<OperationalMetrics, 'messageIn' | 'messageOut' | 'hubMethodFinished'>;
  /** Patient assignments (docs/ASSIGNMENTS.md): `assignments` and `assignBeds`. */
  assignments?: AssignmentService;
  /** Turns for `sync` page reads (sync.ts, H11); `SYNC_CONCURRENT_PAGES` at once when absent. */
  syncPacer?: SyncPacer;
}

/**
 * `/hubs/worklist` (docs/HUB.md): `sync(cursor)` and `execute(command)` from the client; `taskChanged`,
 * `taskRemoved` (and later `alert`) to exactly the connections allowed to see them — decided by the same
 * `visibleTo` as sync.
 */
export function createWorklistHub(deps: WorklistHubDeps): SignalRServer<Caller> {
  const { store, directory, authenticator, logger, metrics } = deps;
  const sent = (count: number) => metrics?.messageOut('hub', count);
  // A reconnect storm's catch-ups take turns (sync.ts): the relay stays responsive for everyone else.
  const syncPacer = deps.syncPacer ?? createSyncPacer();
  const expiryTimers = new Map<string, NodeJS.Timeout>();
  /** Timers cannot wait longer than ~24.8 days (a longer delay fires at once): wait in steps. */
  function closeAtExpiry(connectionId: string, expiresAt: number, close: () => void): void {
    const delay = expiresAt - Date.now();
    const timer =
      delay > MAX_TIMER_MS
        ? setTimeout(() => closeAtExpiry(connectionId, expiresAt, close), MAX_TIMER_MS)
        : setTimeout(close, Math.max(0, delay));
    timer.unref();
    expiryTimers.set(connectionId, timer);
  }

  /** Live connections by unit and roles: a change is checked once per audience (H4), not per socket. */
  const audience = new AudienceIndex<SignalRConnection<Caller>>();
  const connectionOf = new WeakMap<Caller, SignalRConnection<Caller>>();
  /** Left before `onConnected` ran (the client may leave at once): never indexed. */
  const gone = new WeakSet<SignalRConnection<Caller>>();

  /** H2: every method acts on the caller's current units, not the ones at connect. */
  async function refresh(caller: Caller): Promise<Principal> {
    const p = caller.principal;
    const units = await directory.unitsOf(p.tenantId, p.id);
    caller.principal = { ...caller.principal, units };
    reindex(caller);
    return caller.principal;
  }

  /** After a caller's principal is replaced: fan-outs follow its units from now on. */
  function reindex(caller: Caller): void {
    const connection = connectionOf.get(caller);
    if (connection && !gone.has(connection)) audience.place(connection);
  }

  const hub = createSignalRServer<Caller>({
    path: WORKLIST_HUB_PATH,
    allowedOrigins: deps.allowedOrigins,
    ...(deps.transports ? { transports: deps.transports } : {}),
    ...(deps.limits ? { limits: deps.limits } : {}),
    ...(deps.connectionTokenPrefix ? { connectionTokenPrefix: deps.connectionTokenPrefix } : {}),
    logger,
    userIdOf: (caller) => `${caller.principal.tenantId}/${caller.principal.id}`,
    async authenticate(req) {
      const result = await authenticator.authenticate(req, { allowQueryToken: true });
      if (!result.ok) return { status: 401, reason: result.reason.message };
      const decision = authorize(result.principal, 'worklist.connect');
      if (!decision.ok) return { status: 403, reason: decision.message };
      return { principal: result.principal, tokenExpiresAt: result.claims.expiresAt.getTime() };
    },
    hub: {
      onConnected(connection) {
        const { principal, tokenExpiresAt } = connection.caller;
        // Who, with which role, never the token: the audit of who was connected when.
        logger.info(
          {
            event: 'hub.connected',
            connectionId: connection.id,
            tenantId: principal.tenantId,
            staffId: principal.id,
            roles: principal.roles,
            transport: connection.transport,
          },
          'staff connected',
        );
        closeAtExpiry(connection.id, tokenExpiresAt, () => connection.close(TOKEN_EXPIRED_CLOSE));
        connectionOf.set(connection.caller, connection);
        reindex(connection.caller);
      },
      onDisconnected(connection) {
        gone.add(connection);
        audience.remove(connection);
        clearTimeout(expiryTimers.get(connection.id));
        expiryTimers.delete(connection.id);
      },
      methods: timed({
        async sync(ctx, cursor) {
          if (typeof cursor !== 'number' || !Number.isInteger(cursor) || cursor < 0) {
            throw new HubError('sync needs a cursor: a whole number from 0 (0 means everything).');
          }
          return syncPacer.run(async () =>
            syncPage(store, await refresh(ctx.connection.caller), cursor, new Date()),
          );
        },
        async execute(ctx, input): Promise<ActionResult> {
          const principal = await refresh(ctx.connection.caller);
          const parsed = Command.safeParse(input);
          if (!parsed.success) {
            return {
              status: 'rejected',
              task: null,
              code: 'invalid',
              message: `The action is not well formed: ${explainIssues(parsed.error.issues, 'command')}`,
            };
          }
          const command = parsed.data;
          const result = await store.execute(command, principal);
          logger.info(
            {
              commandId: command.commandId,
              taskId: command.taskId,
              type: command.type,
              staffId: principal.id,
              status: result.status,
              ...(result.status === 'rejected' ? { code: result.code } : {}),
            },
            'staff action',
          );
          // H3: the task travels back only to a caller who may see it.
          if (result.task && !visibleTo(result.task, principal)) return { ...result, task: null };
          return result;
        },
        /** AS3/AS4: a unit's bed board, for its members only. */
        async assignments(ctx, unit): Promise<UnitAssignments> {
          const principal = await refresh(ctx.connection.caller);
          if (typeof unit !== 'string' || unit.trim() === '' || unit.length > 40)
            throw new HubError('assignments needs a unit, such as "4W".');
          if (!deps.assignments || !isMemberOf(principal, unit))
            throw new HubError(`You can see ${unit}'s beds only as a member of ${unit}.`);
          return deps.assignments.board(unit);
        },
        /** AS4–AS8: assign, take or give back beds; idempotent by commandId. */
        async assignBeds(ctx, command): Promise<AssignBedsResult> {
          const principal = await refresh(ctx.connection.caller);
          if (!deps.assignments)
            return {
              status: 'rejected',
              code: 'forbidden',
              message: 'This relay has no patient assignments.',
              assignments: null,
            };
          return deps.assignments.assign(command, principal);
        },
      }),
    },
  });

  /** Every invocation counts as a message in, with its latency by method. */
  function timed<M extends Record<string, (...args: never[]) => unknown>>(methods: M): M {
    return metrics ? timeHubMethods(methods, metrics) : methods;
  }

  store.onCommitted((change) => sent(fanOut(hub, audience, change)));

  directory.onUnitsChanged((entry) => {
    void moved(entry).catch((error: unknown) =>
      logger.warn({ err: { name: (error as Error).name }, staffId: entry.objectId }, 'unit move not pushed'),
    );
  });

  /** H5: a move between units reaches a live screen at once. */
  async function moved(entry: StaffEntry): Promise<void> {
    for (const connection of hub.connections()) {
      const caller = connection.caller;
      if (caller.principal.tenantId !== entry.tenantId || caller.principal.id !== entry.objectId) continue;
      const before = caller.principal;
      const after = { ...before, units: entry.units };
      caller.principal = after;
      reindex(caller);
      // H5: her units first, so a screen that filters by them keeps the work that follows.
      if (connection.send(HUB_EVENTS.unitsChanged, after.units)) sent(1);
      // H5: a move between units reaches a live screen at once: what left the view is removed, what
      // entered it is sent, without waiting for the next reconnect.
      const tasks = await store.openTasksOfUnits([...new Set([...before.units, ...after.units])]);
      for (const task of tasks) {
        const was = visibleTo(task, before);
        const is = visibleTo(task, after);
        if (was && !is && connection.send('taskRemoved', task.id, task.seq)) sent(1);
        if (!was && is && connection.send('taskChanged', task)) sent(1);
      }
    }
  }

  return hub;
}

/** H4: each committed change goes to every connection that sees the task now, and a removal to those that saw it before. */
function fanOut(
  hub: SignalRServer<Caller>,
  audience: AudienceIndex<SignalRConnection<Caller>>,
  { task, previous, seq }: CommittedChange,
): number {
  let sent = hub.sendToConnections(audience.seeing(task), 'taskChanged', task);
  if (previous) {
    const losing = audience.losing(task, previous);
    if (losing.length > 0) sent += hub.sendToConnections(losing, 'taskRemoved', task.id, seq);
  }
  return sent;
}
