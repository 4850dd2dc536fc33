/**
 * One load process of `npm run bench:cluster`: N official clients (WebSockets, JSON) as 4W nurses,
 * connected to `url` (HAProxy, so negotiates spread over the relays), each keeping a Mirror the way the
 * PWA does. Reports to the parent over IPC: connected; how many changes were heard; and, after a relay
 * is killed, when each client that lost its connection had reconnected and finished its catch-up sync.
 */
import { connectAs, Mirror } from '../../tests/helpers/hub-client';

interface Start {
  url: string;
  clients: number;
}

const send = (message: unknown) => process.send?.(message);

async function main(start: Start): Promise<void> {
  const people = ['nurse-okafor', 'nurse-brightwater', 'charge-4w-marchbank'];
  const mirrors: Mirror[] = [];
  let heard = 0;
  /** Date.now() at which each reconnected client's catch-up completed. */
  const resynced: number[] = [];
  for (let i = 0; i < start.clients; i++) {
    const client = await connectAs(start.url, people[i % people.length]!, {
      reconnectDelays: [0, 1000, 2000, 5000],
    });
    const mirror = new Mirror(client);
    client.connection.on('taskChanged', () => heard++);
    // The Mirror catches up on reconnect by itself; this one times it.
    client.connection.onreconnected(() => {
      void mirror.catchUp().then(() => resynced.push(Date.now()));
    });
    await mirror.catchUp();
    mirrors.push(mirror);
  }
  send({ type: 'connected', clients: mirrors.length });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'report') send({ type: 'report', heard, resynced: resynced.splice(0) });
    if (m.type === 'stop') {
      void Promise.all(mirrors.map((x) => x.client.stop())).finally(() => process.exit(0));
    }
  });
}

process.once('message', (m: Start) => void main(m));
