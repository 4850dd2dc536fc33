/**
 * The cluster's chaos run (docs/CLUSTER.md, issue #20's acceptance): official clients over every
 * transport and protocol through HAProxy, inbound events through HTTP ingest (what the demo feed uses)
 * and staff actions, while relays are SIGKILLed, restarted and frozen. Returns what it saw; the test
 * (`tests/integration/cluster-chaos.test.ts`) asserts on it, the benchmark runs a longer variant.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { visibleTo, type ActionResult, type Command, type Principal, type Task } from '../../src/domain';
import { DEMO_STAFF, DEV_TENANT_ID } from '../../server/src/auth/demo-staff';
import type { Cluster } from './cluster';
import { routed } from './events';
import {
  checksumOf,
  connectAs,
  Mirror,
  type ProtocolChoice,
  type TransportChoice,
  type WorklistClient,
} from './hub-client';
import { devToken } from './relay';

export interface ChaosOptions {
  clients: number;
  /** Inbound events in all (half first revisions, half updates). */
  events: number;
  actions: number;
  /** How long events and actions are spread over. */
  durationMs: number;
  /** What to do to which relay when, from the start of the load. */
  faults: Array<{ atMs: number; relay: string; fault: 'kill' | 'freeze'; forMs: number }>;
  log?: (line: string) => void;
}

/** The relay environment a chaos run needs: nine demo accounts stand in for hundreds of people. */
export const CHAOS_RELAY_ENV = {
  HUB_MAX_CONNECTIONS_PER_PERSON: '10000',
  HUB_MAX_OPENING_PER_PERSON: '10000',
  HUB_PERSON_CALLS_PER_SECOND: '10000',
  HUB_PERSON_CALL_BURST: '10000',
  LOG_LEVEL: 'info',
};

const COMBOS: Array<[TransportChoice, ProtocolChoice]> = [
  ['WebSockets', 'json'],
  ['WebSockets', 'messagepack'],
  ['ServerSentEvents', 'json'],
  ['LongPolling', 'json'],
  ['LongPolling', 'messagepack'],
];
const UNITS = ['4W', '5E', 'ICU'] as const;
const PEOPLE = DEMO_STAFF.filter((s) => s.role !== 'Admin' && s.role !== 'Ingest');
const ACTORS = PEOPLE.filter((s) => s.role === 'Nurse' || s.role === 'ChargeNurse');

export interface ChaosClient {
  staffId: string;
  label: string;
  mirror: Mirror;
}

export interface ChaosReport {
  clients: ChaosClient[];
  /** commandId → the first definitive answer (applied / rejected / duplicate of an earlier attempt). */
  answers: Map<
    string,
    { client: WorklistClient; taskId: string; type: Command['type']; payload: unknown; result: ActionResult }
  >;
  eventsSent: number;
  ingestRetries: number;
  actionRetries: number;
  reconnects: number;
  /** The expected view of each person: a replay of the changes log (open tasks, `id:seq:version`). */
  replay(): Promise<Map<string, string>>;
  /** Every seq from 1 to the highest, exactly once (ST1). */
  changeSeqs(): Promise<number[]>;
  commandRows(): Promise<number>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function principalOf(staffId: string): Principal {
  const s = DEMO_STAFF.find((x) => x.id === staffId)!;
  return { id: s.id, tenantId: DEV_TENANT_ID, name: s.name, roles: [s.role], units: [...s.units] };
}

export async function runChaos(
  cluster: Cluster,
  databaseUrl: string,
  options: ChaosOptions,
): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const clients: ChaosClient[] = [];
  let reconnects = 0;
  for (let i = 0; i < options.clients; i++) {
    const person = PEOPLE[i % PEOPLE.length]!;
    const [transport, protocol] = COMBOS[i % COMBOS.length]!;
    const client = await connectAs(cluster.url, person.id, {
      transport,
      protocol,
      reconnectDelays: [250, 500, 1000, 2000],
    });
    client.connection.onreconnected(() => reconnects++);
    const mirror = new Mirror(client);
    await mirror.catchUp();
    clients.push({ staffId: person.id, label: `${person.id} ${transport}/${protocol}`, mirror });
  }
  log(`${clients.length} clients connected`);

  // Actors: one more connection each, over WebSockets, that sends the staff actions.
  const actors = await Promise.all(
    ACTORS.map((s) => connectAs(cluster.url, s.id, { reconnectDelays: [250, 500, 1000, 2000] })),
  );

  const ingestToken = await devToken(cluster.url, 'integration-engine');
  let ingestRetries = 0;
  /** Posts until some relay answers; a resend is harmless (ST3: the event id is remembered). */
  async function post(batch: unknown[]): Promise<void> {
    for (;;) {
      try {
        const res = await fetch(`${cluster.url}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestToken}` },
          body: JSON.stringify(batch),
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 202) return;
        if (res.status < 500) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      } catch (error) {
        if ((error as Error).message.startsWith('ingest answered')) throw error;
      }
      ingestRetries++;
      await sleep(300);
    }
  }

  const taskCount = Math.max(1, Math.floor(options.events / 2));
  const taskId = (n: number) => `chaos-${n}`;
  const eventFor = (n: number, revision: number) =>
    routed(
      taskId(n),
      revision,
      {
        unit: UNITS[n % UNITS.length],
        title: revision === 1 ? 'Discharge to home' : 'Discharge to home (transport changed)',
        patient: {
          ref: `Patient/chaos-${n}`,
          name: `Chaos Patient ${n}`,
          mrn: `CH-${n}`,
          bed: `${UNITS[n % UNITS.length]}-${n % 30}`,
        },
      },
      `chaos-evt-${n}-r${revision}`,
    );

  const answers: ChaosReport['answers'] = new Map();
  let actionRetries = 0;
  /** Sends one action until it has an answer: a lost connection resends the same commandId (H7). */
  async function act(actor: WorklistClient, id: string, type: Command['type'], payload?: unknown) {
    const commandId = randomUUID();
    for (;;) {
      try {
        const result = await actor.execute(id, type, payload, commandId);
        answers.set(commandId, { client: actor, taskId: id, type, payload, result });
        return;
      } catch {
        actionRetries++;
        await sleep(500);
      }
    }
  }

  // The faults run beside the load.
  const started = Date.now();
  const faults = options.faults.map(async (f) => {
    await sleep(f.atMs);
    const relay = cluster.relay(f.relay);
    if (f.fault === 'kill') {
      log(`${Date.now() - started} ms: SIGKILL ${f.relay}`);
      await relay.kill();
      await sleep(f.forMs);
      await relay.start();
      log(`${Date.now() - started} ms: ${f.relay} started again`);
    } else {
      log(`${Date.now() - started} ms: SIGSTOP ${f.relay}`);
      relay.freeze();
      await sleep(f.forMs);
      relay.thaw();
      log(`${Date.now() - started} ms: SIGCONT ${f.relay}`);
    }
  });

  // Events: first revisions, then updates, in batches spread over the duration.
  const events: unknown[] = [];
  for (let n = 0; n < taskCount; n++) events.push(eventFor(n, 1));
  for (let n = 0; n < options.events - taskCount; n++) events.push(eventFor(n % taskCount, 2));
  const batch = 20;
  const batches = Math.ceil(events.length / batch);
  const pause = options.durationMs / Math.max(1, batches);
  let batchesDone = 0;
  const inbound = (async () => {
    const inFlight: Array<Promise<void>> = [];
    for (let b = 0; b < batches; b++) {
      inFlight.push(post(events.slice(b * batch, (b + 1) * batch)).then(() => void batchesDone++));
      if (inFlight.length >= 4) await inFlight.shift();
      await sleep(pause);
    }
    await Promise.all(inFlight);
  })();
  // Actions: claims, comments and releases on tasks of the actor's unit that exist by then.
  const actions = (async () => {
    const gap = options.durationMs / Math.max(1, options.actions);
    const pending: Array<Promise<void>> = [];
    for (let a = 0; a < options.actions; a++) {
      await sleep(gap);
      const k = ACTORS.length;
      const actor = actors[a % k]!;
      const unit = ACTORS[a % k]!.units[0]!;
      const sentSoFar = Math.min(
        taskCount,
        Math.floor(((Date.now() - started) / options.durationMs) * taskCount),
      );
      const candidates = Math.max(1, Math.floor(sentSoFar / 3) - 1);
      const n = UNITS.indexOf(unit as (typeof UNITS)[number]) + 3 * ((a * 7) % candidates);
      const type: Command['type'] = a % 3 === 0 ? 'claim' : a % 3 === 1 ? 'comment' : 'release';
      pending.push(act(actor, taskId(n), type, type === 'comment' ? { text: `chaos ${a}` } : undefined));
    }
    await Promise.all(pending);
  })();
  const progress = setInterval(
    () =>
      log(
        `${Date.now() - started} ms: ${batchesDone}/${batches} batches, ${answers.size}/${options.actions} actions answered, ${ingestRetries} ingest and ${actionRetries} action resends, ${reconnects} reconnects`,
      ),
    10_000,
  );
  await Promise.all([inbound, actions, ...faults]).finally(() => clearInterval(progress));
  log(
    `load done in ${Date.now() - started} ms: ${ingestRetries} ingest resends, ${actionRetries} action resends`,
  );

  async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      return (await c.query<T>(sql)).rows;
    } finally {
      await c.end();
    }
  }

  return {
    clients,
    answers,
    eventsSent: events.length,
    ingestRetries,
    actionRetries,
    get reconnects() {
      return reconnects;
    },
    async replay() {
      const rows = await query<{ seq: string; task: string }>(
        `SELECT DISTINCT ON (task_id) seq, task FROM changes ORDER BY task_id, seq DESC`,
      );
      const latest: Task[] = rows.map((r) => ({ ...(JSON.parse(r.task) as Task), seq: Number(r.seq) }));
      const views = new Map<string, string>();
      for (const person of PEOPLE) {
        const principal = principalOf(person.id);
        views.set(person.id, checksumOf(latest.filter((t) => visibleTo(t, principal))));
      }
      return views;
    },
    async changeSeqs() {
      return (await query<{ seq: string }>('SELECT seq FROM changes ORDER BY seq')).map((r) => Number(r.seq));
    },
    async commandRows() {
      return Number((await query<{ n: string }>('SELECT count(*) AS n FROM commands'))[0]!.n);
    },
    async stop() {
      await Promise.all([...clients.map((c) => c.mirror.client.stop()), ...actors.map((a) => a.stop())]);
    },
  };
}
