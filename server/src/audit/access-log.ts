import { randomUUID } from 'node:crypto';
import type { StoreEngine } from '../store/engine';

/**
 * The access audit (docs/SECURITY.md A1–A9): every look at a task, kept apart from the worklist's own
 * store, on the same engine. Append-only: there
 * is no update, and the only delete is the retention purge by age.
 */

export const ACCESS_VIEWS = ['detail', 'history', 'metrics-list', 'csv-export'] as const;
export type AccessView = (typeof ACCESS_VIEWS)[number];
export type AccessMode = 'online' | 'replayed';

export interface AccessRecord {
  id: string;
  at: string;
  recordedAt: string;
  tenantId: string;
  staffId: string;
  taskId: string;
  patientRef: string | null;
  unit: string | null;
  view: AccessView;
  device: string;
  mode: AccessMode;
}

/** What a caller says about one open; the relay adds who (from the token), the patient and the unit. */
export type NewAccess = Omit<AccessRecord, 'id' | 'recordedAt' | 'patientRef' | 'unit'> & { id?: string };

export interface AccessSearch {
  tenantId: string;
  staffId?: string;
  patientRef?: string;
  taskId?: string;
  /** ISO instants, `from` inclusive and `to` exclusive. */
  from?: string;
  to?: string;
  limit: number;
}

/** The patient and unit of a task, as the worklist holds it now (null when it no longer knows it). */
export type TaskFacts = (taskId: string) => Promise<{ patientRef: string | null; unit: string } | null>;

interface Row {
  id: string;
  at: string;
  recorded_at: string;
  tenant_id: string;
  staff_id: string;
  task_id: string;
  patient_ref: string | null;
  unit: string | null;
  view: AccessView;
  device: string;
  mode: AccessMode;
}

export class AccessLog {
  constructor(
    private readonly db: StoreEngine,
    private readonly facts: TaskFacts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends the opens in one transaction; returns how many were new (the rest were repeats). */
  async record(opens: readonly NewAccess[]): Promise<{ recorded: number; repeated: number }> {
    const recordedAt = this.now().toISOString();
    // Looked up before the transaction: inside it only the transaction's own connection may be used.
    const facts = await Promise.all(opens.map((open) => this.facts(open.taskId)));
    const recorded = await this.db.transaction(async (tx) => {
      let count = 0;
      for (const [i, open] of opens.entries()) {
        const task = facts[i];
        // A repeated id is the same open sent again (an answer lost on the way back): kept once.
        const { changes } = await tx.run(
          `INSERT INTO access_audit (id, at, recorded_at, tenant_id, staff_id, task_id, patient_ref, unit, view, device, mode)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
          [
            open.id ?? randomUUID(),
            open.at,
            recordedAt,
            open.tenantId,
            open.staffId,
            open.taskId,
            task?.patientRef ?? null,
            task?.unit ?? null,
            open.view,
            open.device,
            open.mode,
          ],
        );
        count += changes;
      }
      return count;
    });
    return { recorded, repeated: opens.length - recorded };
  }

  /** Newest first, within one tenant: an auditor never reads another organisation's records. */
  async search(query: AccessSearch): Promise<{ records: AccessRecord[]; truncated: boolean }> {
    const where = ['tenant_id = ?'];
    const args: Array<string | number> = [query.tenantId];
    const add = (sql: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    add('staff_id = ?', query.staffId);
    add('patient_ref = ?', query.patientRef);
    add('task_id = ?', query.taskId);
    add('at >= ?', query.from);
    add('at < ?', query.to);
    const rows = await this.db.all<Row>(
      `SELECT id, at, recorded_at, tenant_id, staff_id, task_id, patient_ref, unit, view, device, mode
       FROM access_audit WHERE ${where.join(' AND ')} ORDER BY at DESC, id LIMIT ?`,
      [...args, query.limit + 1],
    );
    return { records: rows.slice(0, query.limit).map(fromRow), truncated: rows.length > query.limit };
  }

  /** Removes records opened before `cutoff` (the retention period), and nothing else. */
  async purgeOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.run('DELETE FROM access_audit WHERE at < ?', [cutoff.toISOString()])).changes;
  }
}

function fromRow(r: Row): AccessRecord {
  return {
    id: r.id,
    at: r.at,
    recordedAt: r.recorded_at,
    tenantId: r.tenant_id,
    staffId: r.staff_id,
    taskId: r.task_id,
    patientRef: r.patient_ref,
    unit: r.unit,
    view: r.view,
    device: r.device,
    mode: r.mode,
  };
}
