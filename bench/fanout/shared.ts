/**
 * What the fan-out benchmark's processes share: the clock, the events, who each connection is, the
 * latency histogram and the messages the driver exchanges with its children over IPC.
 */
import type { Principal } from '../../src/domain';
import { DEMO_STAFF, DEV_TENANT_ID } from '../../server/src/auth/demo-staff';

/** `relay-base`: the relay of another tree (`--base DIR`), spoken to exactly as `relay`. */
export type ServerKind = 'relay' | 'relay-base' | 'socketio' | 'ws';
export const SERVER_KINDS: readonly ServerKind[] = ['relay', 'socketio', 'ws'];
export const SERVER_LABEL: Record<ServerKind, string> = {
  relay: 'relay (SignalR)',
  'relay-base': 'relay, base tree',
  socketio: 'Socket.IO',
  ws: 'bare ws',
};

/**
 * Microseconds on CLOCK_MONOTONIC (libuv's hrtime), which every process on the machine shares: the
 * server stamps a change with it just before ingest, the load client subtracts it at receipt.
 */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

/**
 * The stamp rides in the task's `detail`, so it reaches every client inside the very payload each server
 * sends: `"detail":"bench:<change index>:<µs>:<W|E>"` (W for a 4W task, E for 5E). Clients find it in
 * the raw bytes without parsing JSON.
 */
export const MARKER = '"detail":"bench:';

/** Tasks the changes cycle through: each change re-routes one of them with the next revision. */
export const TASK_POOL = 200;

/** The ward a change belongs to: 4W tasks reach nine connections in ten, 5E tasks one in ten. */
export type Ward = '4W' | '5E';
export const WARD_CODE: Record<Ward, string> = { '4W': 'W', '5E': 'E' };

/**
 * Change `index` as the integration engine would send it: a routed follow-up for nurses and
 * coordinators, about 1 KB of task JSON like the real feed's. `detail` is filled in at publish time.
 * A kind no escalation policy covers, so the relay's escalation timers never add changes of their own.
 * Each ward has its own pool of tasks, so revisions only ever grow.
 */
export function benchEvent(index: number, ward: Ward) {
  const n = (index % TASK_POOL) + (ward === '5E' ? TASK_POOL : 0);
  const bed = String((n % 28) + 1).padStart(2, '0');
  return {
    specversion: '1.0',
    id: `bench-evt-${index}`,
    source: 'urn:wardline:bench',
    type: 'wardline.task.routed',
    subject: `bench-task-${n}`,
    data: {
      taskId: `bench-task-${n}`,
      revision: Math.floor(index / TASK_POOL) + 1,
      kind: 'follow-up',
      title: 'Follow up wound review and dressing change with tissue viability',
      priority: index % 7 === 0 ? 'urgent' : 'routine',
      unit: ward,
      candidateRoles: ['Nurse', 'Coordinator'],
      patient: {
        ref: `Patient/bench-${n}`,
        name: `Benchpatient ${n}`,
        mrn: `BENCH-${String(n).padStart(5, '0')}`,
        bed: `${ward}-${bed}`,
      },
      detail: '',
      dueAt: '2026-11-27T09:00:00Z',
      checklist: [
        { id: 'photo', label: 'Wound photographed', required: true, done: index % 3 === 0 },
        { id: 'dressing', label: 'Dressing changed', required: true, done: index % 5 === 0 },
        { id: 'pain', label: 'Pain score recorded', required: false, done: false },
        { id: 'referral', label: 'Tissue viability referral sent', required: true, done: false },
      ],
    },
  };
}
export type BenchEvent = ReturnType<typeof benchEvent>;

export function stamp(event: BenchEvent, index: number): void {
  event.data.detail = `bench:${index}:${Math.round(nowUs())}:${WARD_CODE[event.data.unit as Ward]}`;
}

/**
 * Who each load connection is: nine in ten are 4W nurses (two people, alternating), every tenth is a
 * 5E nurse. The per-connection `visibleTo` must send a 4W task to the 4W nurses only and a 5E task to
 * the 5E nurses only.
 */
export type StaffId = 'nurse-okafor' | 'nurse-brightwater' | 'nurse-quillon';
export function staffFor(connectionIndex: number): StaffId {
  if (connectionIndex % 10 === 9) return 'nurse-quillon';
  return connectionIndex % 2 === 0 ? 'nurse-okafor' : 'nurse-brightwater';
}
export function wardOf(staff: StaffId): Ward {
  return staff === 'nurse-quillon' ? '5E' : '4W';
}

/** The principal the baselines attach to a connection: what the relay builds from the token + directory. */
export function demoPrincipal(staffId: string): Principal | null {
  const staff = DEMO_STAFF.find((s) => s.id === staffId);
  if (!staff) return null;
  return {
    id: staff.id,
    tenantId: DEV_TENANT_ID,
    name: staff.name,
    roles: [staff.role],
    units: [...staff.units],
  };
}

/** Latencies in 10 µs buckets up to 20 s; constant memory and O(1) per sample at any rate. */
const BUCKET_US = 10;
const BUCKETS = 2_000_000;

export class Histogram {
  private counts = new Uint32Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;
  min = Infinity;

  record(us: number, times = 1): void {
    const v = us < 0 ? 0 : us;
    const b = Math.min(BUCKETS - 1, Math.floor(v / BUCKET_US));
    this.counts[b]! += times;
    this.count += times;
    this.sum += v * times;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  /** Milliseconds at percentile p (0–100). */
  percentileMs(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return ((b + 0.5) * BUCKET_US) / 1000;
    }
    return this.max / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      max: this.count ? this.max / 1000 : NaN,
      mean: this.count ? this.sum / this.count / 1000 : NaN,
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
    this.min = Infinity;
  }
}

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface CpuSample {
  /** Microseconds of user + system CPU since the process started. */
  cpuUs: number;
  /** nowUs() when sampled. */
  at: number;
}

export function cpuSample(): CpuSample {
  const u = process.cpuUsage();
  return { cpuUs: u.user + u.system, at: nowUs() };
}

// ---- IPC: driver → server -----------------------------------------------------------------------

export type ToServer =
  | { t: 'memory' }
  | { t: 'calibrate'; count: number }
  | { t: 'publish'; count: number; ward: Ward }
  | { t: 'paced'; count: number; intervalMs: number; ward: Ward }
  | { t: 'stats' };

export type FromServer =
  | { t: 'ready'; port: number; pid: number }
  | { t: 'memory'; memory: MemorySample; connections: number }
  | { t: 'calibrated'; usPerChange: number }
  | { t: 'paced-done'; published: number }
  | {
      t: 'stats';
      published: number;
      connections: number;
      cpu: CpuSample;
      /** Time spent inside publish (ingest + fan-out), µs. */
      publishUs: number;
      /** The fan-out part of publishUs; the rest is ingest. */
      fanoutUs: number;
      warnings: Record<string, number>;
    }
  | { t: 'error'; message: string };

// ---- IPC: driver → load client / checker ---------------------------------------------------------

export interface ConnectOrder {
  t: 'connect';
  kind: ServerKind;
  port: number;
  /** Lean connections to open, numbered from 0 (staffFor decides who each one is). */
  count: number;
  /** Relay only: a development token per staff id. */
  tokens: Partial<Record<StaffId, string>>;
}

/** Changes published per ward since the clients connected: what each connection must have received. */
export type PerWard = Record<Ward, number>;

export type ToClient =
  | ConnectOrder
  /** Starts counting a phase; `keepHistogram` adds its latencies to the previous phase's (saturation slices). */
  | { t: 'phase'; name: string; keepHistogram?: boolean }
  | { t: 'progress-every'; ms: number }
  | { t: 'finish'; published: PerWard; timeoutMs: number }
  | { t: 'report' };

export interface PhaseResult {
  name: string;
  deliveries: number;
  latency: LatencySummary;
  /** nowUs() of the first and last delivery in the phase. */
  firstAt: number;
  lastAt: number;
  /** Connections that still lacked changes of their ward when the phase ended (something was missed). */
  behind: number;
  timedOut: boolean;
}

export interface CorrectnessReport {
  /** Deliveries that arrived out of order or twice (index not above the connection's last one). */
  outOfOrder: number;
  /** Changes of the other ward a connection got (must be 0: visibleTo keeps them apart). */
  leaked: number;
  /** Connections that closed without being asked to. */
  unexpectedCloses: number;
  closeReasons: Record<string, number>;
}

export type FromClient =
  | {
      t: 'connected';
      ok: number;
      failed: number;
      /** Open connections that see 4W work: each change should reach every one of them. */
      seeing: number;
      ms: number;
      errors: Record<string, number>;
    }
  | { t: 'phase-started'; cpu: CpuSample }
  | { t: 'progress'; deliveries: number }
  | { t: 'phase-result'; result: PhaseResult; cpu: CpuSample }
  | { t: 'report'; correctness: CorrectnessReport; cpu: CpuSample; memory: MemorySample }
  | { t: 'error'; message: string };

export interface CheckerReport {
  t: 'checker-report';
  clients: Array<{
    staff: StaffId;
    library: string;
    received: number;
    expected: number;
    /** Changes of the other ward, or not above the previous one. */
    wrong: number;
    connected: boolean;
  }>;
}

export function memorySample(): MemorySample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/**
 * Parses `<index>:<µs>:<W|E>` right after MARKER at `at` in `buf`; returns [index, µs, ward code byte,
 * end] or null.
 */
export function readStamp(buf: Buffer, at: number): [number, number, number, number] | null {
  let i = at;
  let index = 0;
  let digits = 0;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    index = index * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || buf[i] !== 58 /* : */) return null;
  i++;
  let us = 0;
  digits = 0;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    us = us * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || buf[i] !== 58) return null;
  return [index, us, buf[i + 1] ?? 0, i + 2];
}

/** Sends an IPC message, ignoring a parent that is already gone. */
export function tell(message: unknown): void {
  if (process.send && process.connected) process.send(message);
}

/** A child exits when its parent (the driver) goes away, whatever the reason. */
export function exitWithParent(cleanup?: () => void): void {
  process.on('disconnect', () => {
    try {
      cleanup?.();
    } finally {
      process.exit(0);
    }
  });
}
