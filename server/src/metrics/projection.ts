import { SYSTEM, Task } from '../../../src/domain';
import type { SqlRunner, StoreEngine, Transaction } from '../store/engine';
import { CorruptRowError } from '../store/rows';

/**
 * Which changes mark each moment a metric measures (docs/METRICS.md, "Moments"). Each moment is the
 * `at` of the task's FIRST change in its set; later ones (a second claim after a release) never move it.
 */
export const MOMENT_CHANGES = {
  /** The task has an owner: claimed, given by a lead, or taken by starting, resuming or resolving it. */
  claimed: ['claimed', 'reassigned', 'started', 'resumed', 'resolved', 'resolved-with-override'],
  /** `acknowledgedAt` is set: acknowledged, or resolved (resolving is the strongest acknowledgement). */
  acknowledged: ['acknowledged', 'resolved', 'resolved-with-override'],
  completed: ['resolved', 'resolved-with-override'],
  cancelled: ['cancelled'],
  escalated: ['escalated'],
} as const satisfies Record<string, readonly string[]>;

/** Acknowledging unowned work also claims it (HANDOFFS.md HO9): the change's detail says when it did. */
export const TOOK_OWNERSHIP = 'took ownership';

/** Manual handoffs [M15]: the work changed hands by a person's decision after someone held it. */
export const HANDOFF_CHANGES = ['reassigned', 'handover-accepted', 'released', 'released-on-behalf'] as const;
/** What ends a pending handover offer [M17]: an answer, a withdrawal, or the work changing hands or closing. */
export const OFFER_ENDINGS = [
  'handover-accepted',
  'handover-declined',
  'handover-withdrawn',
  'reassigned',
  'released',
  'released-on-behalf',
  'resolved',
  'resolved-with-override',
  'cancelled',
] as const;

type Moment = keyof typeof MOMENT_CHANGES;
const MOMENT_OF = new Map<string, Moment[]>();
for (const [moment, changes] of Object.entries(MOMENT_CHANGES) as Array<[Moment, readonly string[]]>) {
  for (const change of changes) MOMENT_OF.set(change, [...(MOMENT_OF.get(change) ?? []), moment]);
}

/** The part of a stored task snapshot the metrics read, validated on read (STYLE #11). */
const Snapshot = Task.pick({
  kind: true,
  priority: true,
  status: true,
  unit: true,
  title: true,
  candidateRoles: true,
  owner: true,
  exception: true,
  ackBy: true,
  dueAt: true,
  expectedDischargeAt: true,
  escalation: true,
  checklist: true,
});
type Snapshot = ReturnType<typeof Snapshot.parse>;

/**
 * Changes folded per transaction. Each batch holds the write lock and the event loop for tens of
 * milliseconds at most; between batches the relay serves other requests.
 */
export const FOLD_BATCH = 5_000;

interface ChangeRow {
  seq: number;
  task_id: string;
  unit: string;
  change: string;
  actor_id: string;
  at: string;
  detail: string | null;
}

interface Folding {
  taskId: string;
  lastSeq: number;
  /** Epoch ms of each moment's first change in this batch; `created` is the batch's first change. */
  moments: Partial<Record<Moment | 'created', number>>;
  checklistDoneByExpected: number | null;
  snapshots: Map<number, Snapshot>;
}

/**
 * The outcome projection: folds the `changes` log, in `seq` order, into `outcome_tasks` (one row per
 * task) and `outcome_escalations`, remembering how far it got. Folding is idempotent and resumable:
 * it only ever reads rows after its cursor, and the cursor moves in the same transaction as the rows.
 */
export class OutcomeProjection {
  private running: Promise<number> | null = null;

  constructor(
    readonly db: StoreEngine,
    private readonly batchSize = FOLD_BATCH,
  ) {}

  /** The `seq` of the last change folded. */
  async cursor(sql: SqlRunner = this.db): Promise<number> {
    const row = await sql.get<{ last_seq: number }>('SELECT last_seq FROM outcome_projection WHERE id = 1');
    return Number(row?.last_seq ?? 0);
  }

  /**
   * Folds everything written since the last call, a batch per transaction, yielding to the event loop
   * between batches. Calls made while one runs share it. Resolves with the number of changes folded.
   */
  catchUp(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    let total = 0;
    for (;;) {
      // The relay may have shut down between batches (a background fold at start): stop quietly.
      if (!this.db.open) return total;
      const folded = await this.foldBatch();
      total += folded;
      if (folded < this.batchSize) return total;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Folds up to one batch in one transaction; returns how many changes it folded. Derived data need not
   * wait for the disk (`durable: false`): the commit is still atomic (rows and cursor together), only
   * the flush is skipped, so a power cut can lose the last folds — which the next catch-up redoes —
   * never make them wrong, and a dashboard request stays off the fsync the relay's own commits pay.
   * Two relays folding at once take turns on the projection's lock and each folds what the other has not.
   */
  foldBatch(): Promise<number> {
    return this.db.transaction(
      async (tx): Promise<number> => {
        await tx.lock('outcome_projection');
        const rows = await tx.all<ChangeRow>(
          'SELECT seq, task_id, unit, change, actor_id, at, detail FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
          [await this.cursor(tx), this.batchSize],
        );
        const last = rows[rows.length - 1];
        if (!last) return 0;
        const tasks = new Map<string, Folding>();
        for (const row of rows) await this.fold(tx, row, tasks);
        for (const folding of tasks.values()) await this.write(tx, folding);
        await tx.run('UPDATE outcome_projection SET last_seq = ? WHERE id = 1', [Number(last.seq)]);
        return rows.length;
      },
      { durable: false },
    );
  }

  private async fold(tx: Transaction, row: ChangeRow, tasks: Map<string, Folding>): Promise<void> {
    const seq = Number(row.seq);
    let folding = tasks.get(row.task_id);
    if (!folding) {
      folding = {
        taskId: row.task_id,
        lastSeq: seq,
        moments: { created: Date.parse(row.at) },
        checklistDoneByExpected: null,
        snapshots: new Map(),
      };
      tasks.set(row.task_id, folding);
    }
    folding.lastSeq = seq;
    const at = Date.parse(row.at);
    for (const moment of MOMENT_OF.get(row.change) ?? []) folding.moments[moment] ??= at;
    if (row.change === 'acknowledged' && row.detail === TOOK_OWNERSHIP) folding.moments.claimed ??= at;
    await this.foldHandoff(tx, row, seq, at);
    if (row.change === 'escalated') {
      const snapshot = await this.snapshot(tx, seq, folding);
      await tx.run(
        `INSERT INTO outcome_escalations (seq, task_id, unit, level, at_ms, by_person) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (seq) DO NOTHING`,
        [
          seq,
          row.task_id,
          row.unit,
          snapshot.escalation.level,
          Date.parse(row.at),
          row.actor_id === SYSTEM.id ? 0 : 1,
        ],
      );
    }
    if (MOMENT_CHANGES.completed.some((c) => c === row.change)) {
      folding.checklistDoneByExpected ??= checklistDoneByExpected(await this.snapshot(tx, seq, folding));
    }
  }

  /** Handoffs and offers [M15]–[M17], in `seq` order like everything else here. */
  private async foldHandoff(tx: Transaction, row: ChangeRow, seq: number, at: number): Promise<void> {
    if ((OFFER_ENDINGS as readonly string[]).includes(row.change)) {
      await tx.run(
        'UPDATE outcome_handover_offers SET ended_ms = ?, ended_by = ? WHERE task_id = ? AND ended_ms IS NULL',
        [at, row.change, row.task_id],
      );
    }
    if ((HANDOFF_CHANGES as readonly string[]).includes(row.change)) {
      await tx.run(
        'INSERT INTO outcome_handoffs (seq, task_id, how, at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING',
        [seq, row.task_id, row.change, at],
      );
    }
    if (row.change === 'handover-offered') {
      await tx.run(
        `INSERT INTO outcome_handover_offers (seq, task_id, offered_ms, ended_ms, ended_by, alerted_ms)
         VALUES (?, ?, ?, NULL, NULL, NULL) ON CONFLICT (seq) DO NOTHING`,
        [seq, row.task_id, at],
      );
    }
    if (row.change === 'handover-overdue') {
      await tx.run(
        `UPDATE outcome_handover_offers SET alerted_ms = ?
         WHERE task_id = ? AND ended_ms IS NULL AND alerted_ms IS NULL`,
        [at, row.task_id],
      );
    }
  }

  private async write(tx: Transaction, folding: Folding): Promise<void> {
    const task = await this.snapshot(tx, folding.lastSeq, folding);
    const m = folding.moments;
    await tx.run(
      `INSERT INTO outcome_tasks (task_id, unit, kind, priority, status, title, candidate_roles, owner_id,
         exception_reason, ack_by_ms, due_ms, expected_discharge_ms, escalation_level, created_ms,
         claimed_ms, acknowledged_ms, completed_ms, cancelled_ms, escalated_ms,
         checklist_done_by_expected, last_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET
         unit = excluded.unit, kind = excluded.kind, priority = excluded.priority,
         status = excluded.status, title = excluded.title, candidate_roles = excluded.candidate_roles,
         owner_id = excluded.owner_id, exception_reason = excluded.exception_reason,
         ack_by_ms = excluded.ack_by_ms, due_ms = excluded.due_ms,
         expected_discharge_ms = excluded.expected_discharge_ms,
         escalation_level = excluded.escalation_level,
         claimed_ms = COALESCE(outcome_tasks.claimed_ms, excluded.claimed_ms),
         acknowledged_ms = COALESCE(outcome_tasks.acknowledged_ms, excluded.acknowledged_ms),
         completed_ms = COALESCE(outcome_tasks.completed_ms, excluded.completed_ms),
         cancelled_ms = COALESCE(outcome_tasks.cancelled_ms, excluded.cancelled_ms),
         escalated_ms = COALESCE(outcome_tasks.escalated_ms, excluded.escalated_ms),
         checklist_done_by_expected = COALESCE(outcome_tasks.checklist_done_by_expected,
           excluded.checklist_done_by_expected),
         last_seq = excluded.last_seq`,
      [
        folding.taskId,
        task.unit,
        task.kind,
        task.priority,
        task.status,
        task.title,
        task.candidateRoles.join(','),
        task.owner?.id ?? null,
        task.exception?.reasonCode ?? null,
        epochMs(task.ackBy),
        epochMs(task.dueAt),
        epochMs(task.expectedDischargeAt),
        task.escalation.level,
        // Only used when the row is new: then this batch holds the task's first change, its arrival.
        m.created ?? null,
        m.claimed ?? null,
        m.acknowledged ?? null,
        m.completed ?? null,
        m.cancelled ?? null,
        m.escalated ?? null,
        folding.checklistDoneByExpected,
        folding.lastSeq,
      ],
    );
  }

  private async snapshot(tx: Transaction, seq: number, folding: Folding): Promise<Snapshot> {
    const cached = folding.snapshots.get(seq);
    if (cached) return cached;
    const row = await tx.get<{ task: string }>('SELECT task FROM changes WHERE seq = ?', [seq]);
    const parsed = row ? parseSnapshot(row.task) : null;
    if (!parsed?.success) throw new CorruptRowError('changes', String(seq));
    folding.snapshots.set(seq, parsed.data);
    return parsed.data;
  }
}

function parseSnapshot(json: string): ReturnType<typeof Snapshot.safeParse> | null {
  try {
    return Snapshot.safeParse(JSON.parse(json));
  } catch {
    return null; // not JSON at all
  }
}

/**
 * A completed discharge was ready in time when every checklist item (required or not) was done at or
 * before the expected discharge time. Null when it is not a discharge or had no expected time.
 */
export function checklistDoneByExpected(
  task: Pick<Snapshot, 'kind' | 'expectedDischargeAt' | 'checklist'>,
): number | null {
  if (task.kind !== 'discharge' || !task.expectedDischargeAt) return null;
  const expected = Date.parse(task.expectedDischargeAt);
  const ready = task.checklist.every(
    (item) => item.done && item.doneAt !== null && Date.parse(item.doneAt) <= expected,
  );
  return ready ? 1 : 0;
}

/** Upstream times may carry an offset; stored ones are epoch milliseconds. */
function epochMs(value: string | null): number | null {
  return value === null ? null : Date.parse(value);
}
