import { z } from 'zod';
import { Task, type StaffRef } from '../../../src/domain';

export interface TaskRow {
  id: string;
  body: string;
  seq: number;
}

export class CorruptRowError extends Error {
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(`Stored ${table} row ${key} does not match the current schema.`);
  }
}

/**
 * Stored data is validated on read as well as on write (STYLE #11): a row written by an older relay or
 * edited by hand fails loudly here, by id, instead of reaching a nurse's screen half-formed.
 */
export function taskFromRow(row: TaskRow): Task {
  const parsed = Task.safeParse(JSON.parse(row.body));
  if (!parsed.success) throw new CorruptRowError('tasks', row.id);
  return { ...parsed.data, seq: row.seq };
}

/** One entry of a task's audit trail: who did what, when, from the `changes` log. */
export interface AuditEntry {
  seq: number;
  change: string;
  actor: StaffRef;
  commandId: string | null;
  eventId: string | null;
  versionBefore: number;
  versionAfter: number;
  at: string;
  detail: string | null;
}

/** The `changes` columns the audit trail reads; PostgreSQL returns its BIGINTs as text. */
const AuditRow = z.object({
  seq: z.coerce.number().int(),
  change: z.string(),
  actor_id: z.string(),
  actor_name: z.string(),
  command_id: z.string().nullable(),
  event_id: z.string().nullable(),
  version_before: z.coerce.number().int(),
  version_after: z.coerce.number().int(),
  at: z.string(),
  detail: z.string().nullable(),
});

/** An audit row, validated like a task row: a malformed one fails by task and seq, not half-formed. */
export function auditEntryFromRow(taskId: string, row: unknown): AuditEntry {
  const parsed = AuditRow.safeParse(row);
  if (!parsed.success) throw new CorruptRowError('changes', taskId);
  const r = parsed.data;
  return {
    seq: r.seq,
    change: r.change,
    actor: { id: r.actor_id, name: r.actor_name },
    commandId: r.command_id,
    eventId: r.event_id,
    versionBefore: r.version_before,
    versionAfter: r.version_after,
    at: r.at,
    detail: r.detail,
  };
}
