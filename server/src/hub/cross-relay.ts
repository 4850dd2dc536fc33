import { isMemberOf } from '../../../src/domain';
import type { AssignmentService } from '../assignments/service';
import type { StaffDirectory } from '../auth';
import type { Logger } from '../log';
import type { SignalRServer } from '../signalr';
import type { ClusterSignal, ClusterSignals } from '../store/cluster-signals';
import type { Caller } from './worklist-hub';

/**
 * What one relay changes outside the worklist reaches the screens on every relay (docs/STORE.md "Several
 * relays"): a bed board (`assignmentsChanged`, AS3) and a unit move in the staff directory (HUB.md H5).
 * The relay that made the change tells its own connections as before and signals the others; each
 * other relay reads the new state and tells its own connections, with the same filters (a board to the
 * unit's members only, a move to the moved person's connections only). Returns how to stop listening.
 */
export function relayAcrossCluster({
  signals,
  relayId,
  hub,
  directory,
  assignments,
  logger,
}: {
  signals: ClusterSignals;
  relayId: string;
  hub: SignalRServer<Caller>;
  directory: StaffDirectory;
  assignments: AssignmentService;
  logger: Logger;
}): () => void {
  const send = (signal: ClusterSignal) =>
    void signals.send(signal).catch((error: unknown) =>
      // The database is away: the other relays' screens catch up at their next fetch or reconnect.
      logger.warn({ kind: signal.kind, err: { name: (error as Error).name } }, 'cluster signal not sent'),
    );
  const stopDirectory = directory.onUnitsChanged((entry, where) => {
    if (where === 'here')
      send({ kind: 'units', from: relayId, tenantId: entry.tenantId, objectId: entry.objectId });
  });
  const stopAssignments = assignments.onAssigned((unit) =>
    send({ kind: 'assignments', from: relayId, unit }),
  );
  const stopSignals = signals.on((signal) => {
    if (signal.from === relayId) return;
    const here = [...hub.connections()].map((c) => c.caller.principal);
    const done =
      signal.kind === 'assignments'
        ? assignments.changedElsewhere(
            signal.unit,
            here.some((p) => isMemberOf(p, signal.unit)),
          )
        : here.some((p) => p.tenantId === signal.tenantId && p.id === signal.objectId)
          ? directory.changedElsewhere(signal.tenantId, signal.objectId)
          : Promise.resolve();
    void done.catch((error: unknown) =>
      logger.warn({ kind: signal.kind, err: { name: (error as Error).name } }, 'cluster signal not applied'),
    );
  });
  return () => {
    stopDirectory();
    stopAssignments();
    stopSignals();
  };
}
