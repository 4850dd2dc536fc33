import { randomUUID } from 'node:crypto';
import { OUTBOUND_EVENT_TYPES, OutboundEvent, type UpstreamEvent } from '../../../src/domain';
import type { CommittedChange } from './contract';

/**
 * The CloudEvent upstream hears about a committed change, as the outbox stores it: ids only, never
 * patient data. Null when the change is not one upstream follows.
 */
export function upstreamEvent(
  upstream: UpstreamEvent | null | undefined,
  committed: CommittedChange,
  actor: { id: string; tenantId?: string },
  commandId: string | null,
  now: string,
): { taskId: string; type: string; body: string } | null {
  if (!upstream) return null;
  const type = OUTBOUND_EVENT_TYPES[upstream];
  const task = committed.task;
  const event: OutboundEvent = {
    specversion: '1.0',
    id: randomUUID(),
    source: 'urn:wardline:relay',
    type,
    subject: task.id,
    time: now,
    datacontenttype: 'application/json',
    data: {
      taskId: task.id,
      revision: task.revision,
      version: task.version,
      seq: committed.seq,
      status: task.status,
      actor: { id: actor.id, tenantId: actor.tenantId ?? null },
      commandId,
      ownerId: task.owner?.id ?? null,
      // Ownership changes hands (reassign, release on behalf, handover): whose it was, by id (HO11).
      previousOwnerId: committed.previous?.owner?.id ?? null,
      ...(upstream === 'handover.offered' && task.handover ? { handoverToId: task.handover.to.id } : {}),
      ...(task.resolution
        ? { outcome: task.resolution.outcome, overridden: task.resolution.overrideReason !== null }
        : {}),
      ...(upstream === 'escalated' ? { level: task.escalation.level } : {}),
    },
  };
  // Checked before it is written: a malformed event fails the action's transaction instead of reaching
  // the workflow engine. The row holds the object as built, so its JSON is what was checked.
  OutboundEvent.parse(event);
  return { taskId: task.id, type, body: JSON.stringify(event) };
}
