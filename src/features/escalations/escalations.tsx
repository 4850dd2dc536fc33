import { acknowledgedWords } from '../handover/handover-words';
import { SELECTIONS } from '../worklist/selections';
import type { Task } from '../../domain';
import { OwnerName, PriorityBadge } from '../shared/badges';
import { bedColumn, ownerColumn, patientColumn, plainTitleColumn } from '../worklist/columns';
import type { Column, ListDefinition } from '../worklist/list-definition';
import { ListDetail } from '../worklist/list-detail';
import { compareTimes, timeOf } from '../worklist/sorting';
import { WorkList } from '../worklist/work-list';
import { NextLevelCountdown, WhyAndNext } from './countdown';
import { compareEscalations } from './order';
import { levelWords, stillEscalating, targetWords } from './wording';

function Level({ task }: { task: Task }) {
  return (
    <span className={`badge level level-${Math.min(task.escalation.level, 3)}`}>
      <span aria-hidden="true" className="badge-icon">
        ⬆
      </span>
      {levelWords(task.escalation)}
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
      {acknowledgedWords(task)}
    </span>
  );
}

/** The live countdown to the next level, or why there is none. */
function NextLevel({ task }: { task: Task }) {
  if (!stillEscalating(task)) return <span className="muted">Stopped</span>;
  if (!task.escalation.nextAt) return <span className="muted">No further level</span>;
  return <NextLevelCountdown task={task} />;
}

/** Who the level reached and who is next, short enough for a table cell [E3]. */
function shortWhy(task: Task): string {
  const { target, next } = task.escalation;
  const sent = target
    ? `To ${targetWords(target, task.unit)}`
    : (task.escalation.reason ?? 'Policy deadline passed');
  if (!next || !stillEscalating(task)) return sent;
  return `${sent}; next ${next.repeat ? 'again' : targetWords(next, task.unit)}`;
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
  cell: (task) => <NextLevel task={task} />,
  compare: (a, b) => compareTimes(timeOf(a.escalation.nextAt), timeOf(b.escalation.nextAt)),
};

const reasonColumn: Column = {
  id: 'reason',
  header: 'Why',
  cell: (task) => shortWhy(task),
};

/** Charge nurses: escalated work on their units, unacknowledged first. */
export const escalations: ListDefinition = {
  id: 'escalations',
  title: 'Escalations',
  summary: 'Escalated work on your units. Unacknowledged escalations come first; acknowledging stops them.',
  select: (tasks, { me }) => tasks.filter((t) => SELECTIONS.escalations(t, me)),
  columns: [plainTitleColumn, levelColumn, patientColumn, bedColumn, reasonColumn, nextColumn, ownerColumn],
  defaultSort: { column: 'level', direction: 'asc' },
  card: (task) => (
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
        <NextLevel task={task} />
        <span>
          Owner: <OwnerName task={task} />
        </span>
      </span>
      <WhyAndNext task={task} />
    </>
  ),
  quickAction: () => 'acknowledge',
  empty: 'No escalations on your units.',
};

export function Component() {
  return <ListDetail list={<WorkList definition={escalations} />} />;
}
