/**
 * Word between the relays of one cluster about things that are not worklist changes (docs/STORE.md
 * "Several relays"): a unit's bed board changed (AS4–AS8) or a person moved between units in the staff
 * directory (HUB.md H5). The relay that made the change tells its own connections at once and sends a
 * signal; every other relay then reads the new state from the database and tells its own, with the same
 * filter. On PostgreSQL a signal is a NOTIFY on `wardline_signals` (ids only: a unit, a staff id, never
 * patient data), heard on the change tail's LISTEN connection. SQLite is one relay: nothing to tell.
 * A signal lost while a relay's LISTEN connection is down is not replayed: those screens catch up at
 * their next fetch or reconnect, as before.
 */
export type ClusterSignal =
  | { kind: 'assignments'; from: string; unit: string }
  | { kind: 'units'; from: string; tenantId: string; objectId: string };

export interface ClusterSignals {
  send(signal: ClusterSignal): Promise<void>;
  /** Every signal of the cluster, this relay's own included (check `from`). */
  on(listener: (signal: ClusterSignal) => void): () => void;
}

/** One relay (SQLite): nobody else to tell, nothing ever heard. */
export const noClusterSignals: ClusterSignals = {
  send: () => Promise.resolve(),
  on: () => () => undefined,
};

/** NOTIFY's payload limit is 8,000 bytes; ours are a few dozen. */
const MAX_PAYLOAD = 2_000;

export function encodeSignal(signal: ClusterSignal): string {
  const text = JSON.stringify(signal);
  if (text.length > MAX_PAYLOAD) throw new Error('A cluster signal is too long to send.');
  return text;
}

/** A payload from the channel, checked: anything else (a hand-sent NOTIFY) is ignored. */
export function decodeSignal(payload: string | undefined): ClusterSignal | null {
  if (!payload || payload.length > MAX_PAYLOAD) return null;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const text = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200;
  if (!text(v.from)) return null;
  if (v.kind === 'assignments' && text(v.unit)) return { kind: 'assignments', from: v.from, unit: v.unit };
  if (v.kind === 'units' && text(v.tenantId) && text(v.objectId))
    return { kind: 'units', from: v.from, tenantId: v.tenantId, objectId: v.objectId };
  return null;
}
