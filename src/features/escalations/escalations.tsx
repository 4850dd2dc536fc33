import { SELECTIONS } from '../worklist/selections';
import type { Task } from '../../domain';
import { OwnerName, PriorityBadge } from '../shared/badges';
import { clockTime, relative } from '../shared/format';
import { bedColumn, ownerColumn, patientColumn, titleColumn } from '../worklist/columns';
import type { Column, ListDefinition, RowContext } from '../worklist/list-definition';
import { ListDetail } from '../worklist/list-detail';
import { compareTimes, timeOf } from '../worklist/sorting';
import { WorkList } from '../worklist/work-list';

/** Unacknowledged first, then the highest level, then the one escalated longest ago. */
export function compareEscalations(a: Task, b: Task): number {
  const aAck = a.acknowledgedAt !== null;
  const bAck = b.acknowledgedAt !== null;
  if (aAck !== bAck) return aAck ? 1 : -1;
  return (
    b.escalation.level - a.escalation.level ||
    compareTimes(timeOf(a.escalation.lastAt), timeOf(b.escalation.lastAt))
  );
}

function Level({ task }: { task: Task }) {
  return (
    <span className={`badge level level-${Math.min(task.escalation.level, 3)}`}>
      <span aria-hidden="true" className="badge-icon">
        ⬆
      </span>
      Level {task.escalation.level}
    </span>
  );
}

function AckState({ task }: { task: Task }) {
  if (!task.acknowledgedAt) {
    return (
      <span className="badge unacked">
        <span aria-hidden="true" className="badge-icon">
          !
        </span>
        Not acknowledged
      </span>
    );
  }
  return (
    <span className="acked">
      <span aria-hidden="true">✓ </span>
      Acknowledged {clockTime(task.acknowledgedAt)} by {task.acknowledgedBy?.name ?? 'someone'}
    </span>
  );
}

function NextLevel({ task, ctx }: { task: Task; ctx: RowContext }) {
  const next = task.escalation.nextAt;
  if (!next) return <span className="muted">No further level</span>;
  return (
    <span>
      Next level {clockTime(next)} · {relative(next, ctx.now)}
    </span>
  );
}

const levelColumn: Column = {
  id: 'level',
  header: 'Escalation',
  cell: (task) => (
    <span className="cell-stack">
      <Level task={task} />
      <AckState task={task} />
    </span>
  ),
  compare: (a, b) => compareEscalations(a, b),
};

const nextColumn: Column = {
  id: 'next',
  header: 'Next level',
  cell: (task, ctx) => <NextLevel task={task} ctx={ctx} />,
  compare: (a, b) => compareTimes(timeOf(a.escalation.nextAt), timeOf(b.escalation.nextAt)),
};

const reasonColumn: Column = {
  id: 'reason',
  header: 'Why',
  cell: (task) => task.escalation.reason ?? <span className="muted">Policy deadline passed</span>,
};

/** Charge nurses: escalated work on their units, unacknowledged first. */
export const escalations: ListDefinition = {
  id: 'escalations',
  title: 'Escalations',
  summary: 'Escalated work on your units. Unacknowledged escalations come first; acknowledging stops them.',
  select: (tasks, { me }) => tasks.filter((t) => SELECTIONS.escalations(t, me)),
  columns: [titleColumn, levelColumn, patientColumn, bedColumn, reasonColumn, nextColumn, ownerColumn],
  defaultSort: { column: 'level', direction: 'asc' },
  card: (task, ctx) => (
    <>
      <span className="card-title">
        <Level task={task} />
        <PriorityBadge priority={task.priority} />
        <span className="strong">{task.title}</span>
      </span>
      <span>
        {task.patient ? <span className="patient-name">{task.patient.name}</span> : 'No patient'} · Bed{' '}
        {task.patient?.bed ?? '—'} · {task.unit}
      </span>
      <span className="card-meta">
        <AckState task={task} />
        <NextLevel task={task} ctx={ctx} />
        <span>
          Owner: <OwnerName task={task} />
        </span>
      </span>
    </>
  ),
  quickAction: () => ({ type: 'acknowledge', label: 'Acknowledge' }),
  empty: 'No escalations on your units.',
};

export function Component() {
  return <ListDetail list={<WorkList definition={escalations} />} />;
}
