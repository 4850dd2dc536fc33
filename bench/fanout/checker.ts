/**
 * A few official clients, in a process of their own, connected alongside the load: proof that what the
 * lean load client counts is what a real client receives. Two 4W nurses and a 5E nurse must each get
 * every change of their own ward published while they are connected, once each and in order, and
 * nothing of the other ward.
 * - relay: `@microsoft/signalr` over WebSockets + JSON, signed in with `POST /dev/token`, as the PWA is;
 * - socketio: `socket.io-client` over WebSocket;
 * - ws: the `ws` client, parsing each message as JSON.
 */
import { HttpTransportType, HubConnectionBuilder, LogLevel, type HubConnection } from '@microsoft/signalr';
import { io as ioClient, type Socket as IOSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { Task } from '../../src/domain';
import {
  exitWithParent,
  tell,
  wardOf,
  type CheckerReport,
  type PerWard,
  type ServerKind,
  type StaffId,
} from './shared';

const STAFF: readonly StaffId[] = ['nurse-okafor', 'nurse-brightwater', 'nurse-quillon'];

interface Watched {
  staff: StaffId;
  library: string;
  received: Task[];
  connected: () => boolean;
  stop: () => Promise<void> | void;
}

function indexOf(task: Task): number {
  const match = /^bench:(\d+):/.exec(task.detail ?? '');
  return match ? Number(match[1]) : -1;
}

/** Tasks of another ward, and any change not newer than the one before it. */
function wrongOnes(staff: StaffId, tasks: Task[]): number {
  let wrong = 0;
  let last = -1;
  for (const task of tasks) {
    const index = indexOf(task);
    if (task.unit !== wardOf(staff) || index <= last) wrong++;
    last = Math.max(last, index);
  }
  return wrong;
}

async function devToken(base: string, staffId: string): Promise<string> {
  const res = await fetch(`${base}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId }),
  });
  if (!res.ok) throw new Error(`/dev/token ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function watchRelay(base: string, staff: StaffId): Promise<Watched> {
  const token = await devToken(base, staff);
  const connection: HubConnection = new HubConnectionBuilder()
    .withUrl(`${base}/hubs/worklist`, {
      transport: HttpTransportType.WebSockets,
      accessTokenFactory: () => token,
    })
    .configureLogging(LogLevel.None)
    .build();
  const received: Task[] = [];
  connection.on('taskChanged', (task: Task) => received.push(task));
  await connection.start();
  return {
    staff,
    library: '@microsoft/signalr',
    received,
    connected: () => connection.state === 'Connected',
    stop: () => connection.stop(),
  };
}

async function watchSocketIO(base: string, staff: StaffId): Promise<Watched> {
  const socket: IOSocket = ioClient(base, {
    transports: ['websocket'],
    query: { staff },
    reconnection: false,
  });
  const received: Task[] = [];
  socket.on('taskChanged', (task: Task) => received.push(task));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return {
    staff,
    library: 'socket.io-client',
    received,
    connected: () => socket.connected,
    stop: () => void socket.close(),
  };
}

async function watchWs(base: string, staff: StaffId): Promise<Watched> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/?staff=${staff}`);
  const received: Task[] = [];
  ws.on('message', (data) => {
    const [target, task] = JSON.parse(String(data)) as [string, Task];
    if (target === 'taskChanged') received.push(task);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    staff,
    library: 'ws',
    received,
    connected: () => ws.readyState === WebSocket.OPEN,
    stop: () => ws.close(),
  };
}

let watched: Watched[] = [];
exitWithParent(() => watched.forEach((w) => void w.stop()));

process.on('message', (raw) => {
  const message = raw as
    { t: 'connect'; kind: ServerKind; port: number } | { t: 'report'; published: PerWard };
  if (message.t === 'connect') {
    const base = `http://127.0.0.1:${message.port}`;
    const watch =
      message.kind === 'relay' ? watchRelay : message.kind === 'socketio' ? watchSocketIO : watchWs;
    Promise.all(STAFF.map((s) => watch(base, s))).then(
      (all) => {
        watched = all;
        tell({ t: 'checker-connected', count: all.length });
      },
      (error: unknown) => tell({ t: 'error', message: `checker: ${String(error)}` }),
    );
    return;
  }
  const report: CheckerReport = {
    t: 'checker-report',
    clients: watched.map((w) => ({
      staff: w.staff,
      library: w.library,
      received: w.received.length,
      expected: message.published[wardOf(w.staff)],
      wrong: wrongOnes(w.staff, w.received),
      connected: w.connected(),
    })),
  };
  tell(report);
});
