import { SELECTIONS } from '../worklist/selections';
import { OwnerName, PriorityBadge, SendingTag } from '../shared/badges';
import { age } from '../shared/format';
import { REASON_WORDS } from '../shared/words';
import { ownerColumn, priorityColumn, unitColumn } from '../worklist/columns';
import type { Column, ListDefinition } from '../worklist/list-definition';
import { ListDetail } from '../worklist/list-detail';
import { compareText, compareTimes, timeOf } from '../worklist/sorting';
import { WorkList } from '../worklist/work-list';
import { UndoToast } from './undo-toast';

/** The title with the reason under it: in a narrow table the reason column is the first to go. */
const exceptionColumn: Column = {
  id: 'task',
  header: 'Exception',
  cell: (task, ctx) => (
    <span className="cell-stack">
      <span className="strong">{task.title}</span>
      <span className="muted small">
        {task.exception ? REASON_WORDS[task.exception.reasonCode] : 'Exception'}
        {ctx.sending.has(task.id) && <SendingTag />}
      </span>
    </span>
  ),
  compare: (a, b) => compareText(a.title, b.title),
};

const ageColumn: Column = {
  id: 'age',
  header: 'Age',
  cell: (task, ctx) => age(task.createdAt, ctx.now),
  // Oldest first when ascending: the age grows as the creation time shrinks.
  compare: (a, b) => compareTimes(timeOf(a.createdAt), timeOf(b.createdAt)),
};

const reasonColumn: Column = {
  id: 'reason',
  header: 'Reason',
  cell: (task) => (task.exception ? REASON_WORDS[task.exception.reasonCode] : '—'),
  compare: (a, b) => compareText(a.exception?.reasonCode, b.exception?.reasonCode),
};

const patientOrUnknownColumn: Column = {
  id: 'patient',
  header: 'Patient',
  cell: (task) => task.patient?.name ?? <span className="muted">Not identified</span>,
  compare: (a, b) => compareText(a.patient?.name, b.patient?.name),
};

const sourceColumn: Column = {
  id: 'source',
  header: 'Source',
  cell: (task) =>
    task.exception?.sourceRef ? (
      <span className="cell-stack">
        <span>{task.exception.sourceRef.system}</span>
        <span className="muted small mono">{task.exception.sourceRef.messageId}</span>
      </span>
    ) : (
      '—'
    ),
  compare: (a, b) => compareText(a.exception?.sourceRef?.system, b.exception?.sourceRef?.system),
};

/** Coordinators: the human-review queue, oldest first, with how long each has waited. */
export const exceptionsQueue: ListDefinition = {
  id: 'exceptions',
  title: 'Exceptions',
  summary: 'Messages and checks that need a person, oldest first.',
  select: (tasks, { me }) => tasks.filter((t) => SELECTIONS.exceptions(t, me)),
  columns: [
    exceptionColumn,
    ageColumn,
    reasonColumn,
    patientOrUnknownColumn,
    unitColumn,
    sourceColumn,
    priorityColumn,
    ownerColumn,
  ],
  defaultSort: { column: 'age', direction: 'asc' },
  card: (task, ctx) => (
    <>
      <span className="card-title">
        <PriorityBadge priority={task.priority} />
        <span className="strong">{task.title}</span>
      </span>
      <span>
        {task.exception ? REASON_WORDS[task.exception.reasonCode] : 'Exception'} ·{' '}
        {task.patient ? <span className="patient-name">{task.patient.name}</span> : 'Patient not identified'}{' '}
        · {task.unit}
      </span>
      {task.exception?.sourceRef && (
        // The filter finds a source and a message id: the card shows them, as the table does.
        <span className="muted small">
          From {task.exception.sourceRef.system} ·{' '}
          <span className="mono">{task.exception.sourceRef.messageId}</span>
        </span>
      )}
      <span className="card-meta">
        <span>Waiting {age(task.createdAt, ctx.now)}</span>
        <span>
          Owner: <OwnerName task={task} />
        </span>
      </span>
    </>
  ),
  quickAction: () => 'claim',
  empty: 'No exceptions waiting for review.',
};

export function Component() {
  return (
    <>
      <ListDetail list={<WorkList definition={exceptionsQueue} />} />
      <UndoToast />
    </>
  );
}
