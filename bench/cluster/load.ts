/**
 * One load process of `npm run bench:cluster`: official clients (WebSockets, JSON) connected to `url`
 * (HAProxy, so negotiates spread over the relays) as the devices it is given (bench/cluster/audience.ts),
 * each keeping a Mirror the way the PWA does and reconnecting with the PWA's own retry policy
 * (`foreverRetry`, src/data/connection.ts: the bench must not be kinder to the relays than the product).
 * Reports to the parent over IPC: connected; and, after a relay is killed, for each client that lost
 * its connection when it noticed, when it was connected again and when its catch-up sync was complete;
 * and the CPU this process used, so the parent can tell the clients' own cost from the relays'.
 */
import { foreverRetry } from '../../src/data/connection';
import { connectAs, Mirror } from '../../tests/helpers/hub-client';
import { wardTokens } from '../../tests/helpers/ward-staff';
import type { Device } from './audience';

interface Start {
  url: string;
  devices: Device[];
  /** Where the development key is and who the issuer is, for devices that are not demo staff. */
  dataDir: string;
  issuerBase: string;
}

/** Date.now() of each step of one client's move to another relay. */
export interface Resync {
  lostAt: number;
  reconnectedAt: number;
  syncedAt: number;
  /** Failed attempts before the one that reconnected. */
  retries: number;
}

const send = (message: unknown) => process.send?.(message);

/**
 * A device's first connection, tried again as the PWA would when the balancer has no relay UP for a
 * moment (HAProxy's 503 while health checks time out on a saturated machine): up to ten times, 1 s apart.
 */
async function signIn<T>(connect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (attempt === 10) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function main(start: Start): Promise<void> {
  const sign = wardTokens(start.dataDir, start.issuerBase);
  const mirrors: Mirror[] = [];
  const resyncs: Resync[] = [];
  let heard = 0;
  /** Why reconnect attempts failed, and how often. */
  const failures = new Map<string, number>();
  let cpu = process.cpuUsage();
  for (const device of start.devices) {
    const person = device.person;
    let retries = 0;
    const client = await signIn(() =>
      connectAs(start.url, device.staffId, {
        // The product's policy, counting the attempts that failed before one succeeded.
        retryPolicy: {
          nextRetryDelayInMilliseconds(context) {
            retries = context.previousRetryCount;
            if (context.previousRetryCount > 0)
              failures.set(
                context.retryReason.message.slice(0, 80),
                (failures.get(context.retryReason.message.slice(0, 80)) ?? 0) + 1,
              );
            return foreverRetry.nextRetryDelayInMilliseconds(context);
          },
        },
        ...(person ? { token: () => sign(person) } : {}),
      }),
    );
    const mirror = new Mirror(client);
    client.connection.on('taskChanged', () => heard++);
    let lostAt = 0;
    let reconnectedAt = 0;
    client.connection.onreconnecting(() => (lostAt = Date.now()));
    client.connection.onreconnected(() => (reconnectedAt = Date.now()));
    mirror.onResynced = () => resyncs.push({ lostAt, reconnectedAt, syncedAt: Date.now(), retries });
    await mirror.catchUp();
    mirrors.push(mirror);
  }
  send({ type: 'connected', clients: mirrors.length });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'report') {
      const why = [...failures];
      failures.clear();
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      send({
        type: 'report',
        heard,
        resyncs: resyncs.splice(0),
        failures: why,
        cpuMs: (used.user + used.system) / 1000,
      });
    }
    if (m.type === 'stop') {
      void Promise.all(mirrors.map((x) => x.client.stop())).finally(() => process.exit(0));
    }
  });
}

process.once('message', (m: Start) => void main(m));

// As in bench/cluster.ts: the official client can throw a killed relay's 1006 close past every handler;
// that one is what this process is here to live through, anything else ends it.
process.on('uncaughtException', (error) => {
  if (error instanceof Error && error.message.startsWith('WebSocket closed with status code: 1006')) return;
  console.error(error);
  process.exit(1);
});

// A bench that ended on an error leaves no load process behind: the IPC channel closes with it.
process.on('disconnect', () => process.exit(0));
