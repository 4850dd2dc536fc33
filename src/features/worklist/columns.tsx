import type { Task } from '../../domain';
import { EscalationTag } from '../escalations/countdown';
import { isOverdue, OverdueTag, OwnerName, PriorityBadge, SendingTag, StatusBadge } from '../shared/badges';
import { age, dayAndTime, relative } from '../shared/format';
import { KIND_WORDS } from '../shared/words';
import { YourPatientTag } from '../assignments/your-patient';
import { acknowledgedWords, beingHandedWords, handedOverByWords } from '../handover/handover-words';
import type { Column, RowContext } from './list-definition';
import { compareText, compareTimes, compareUrgency, PRIORITY_RANK, timeOf, urgencyKey } from './sorting';

/** Columns shared by several views; each view picks and orders its own. */

export const priorityColumn: Column = {
  id: 'priority',
  header: 'Priority',
  cell: (task) => <PriorityBadge priority={task.priority} />,
  compare: (a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority],
};

/** The task's title and kind; the escalations view, which has its own level columns, uses this one. */
export const plainTitleColumn: Column = {
  id: 'task',
  header: 'Task',
  cell: (task, ctx) => (
    <span className="cell-stack">
      <span className="strong">{task.title}</span>
      <span className="muted small">
        {KIND_WORDS[task.kind]}
        {ctx.sending.has(task.id) && <SendingTag />}
      </span>
    </span>
  ),
  compare: (a, b) => compareText(a.title, b.title),
};

/** The title, with the escalation's level and live countdown in place of the kind once it escalates [E5]. */
export const titleColumn: Column = {
  ...plainTitleColumn,
  cell: (task, ctx) => (
    <span className="cell-stack">
      <span className="strong">{task.title}</span>
      <span className="muted small">
        {task.escalation.level > 0 ? <EscalationTag task={task} /> : KIND_WORDS[task.kind]}
        {ctx.sending.has(task.id) && <SendingTag />}
        <HandoverTag task={task} me={ctx.me} />
        <YourPatientTag task={task} />
      </span>
    </span>
  ),
};

export const patientColumn: Column = {
  id: 'patient',
  header: 'Patient',
  cell: (task) => task.patient?.name ?? <span className="muted">No patient</span>,
  compare: (a, b) => compareText(a.patient?.name, b.patient?.name),
};

/** The patient as the first column: the row's link names the person, which is how a ward thinks. */
export const patientFirstColumn: Column = {
  ...patientColumn,
  cell: (task, ctx) => (
    <span className="cell-stack">
      <span className="strong">{task.patient?.name ?? 'No patient'}</span>
      {ctx.sending.has(task.id) && <SendingTag />}
    </span>
  ),
};

export const bedColumn: Column = {
  id: 'bed',
  header: 'Bed',
  cell: (task) => task.patient?.bed ?? '—',
  compare: (a, b) => compareText(a.patient?.bed, b.patient?.bed),
};

export const unitColumn: Column = {
  id: 'unit',
  header: 'Unit',
  cell: (task) => task.unit,
  compare: (a, b) => compareText(a.unit, b.unit),
};

export const statusColumn: Column = {
  id: 'status',
  header: 'Status',
  cell: (task) => <StatusBadge task={task} />,
  compare: (a, b) => compareText(a.status, b.status),
};

export function DueText({ task, ctx }: { task: Task; ctx: RowContext }) {
  // An acknowledge-by time is met by acknowledging: say who did it and when, never "Ack by … ago".
  if (!task.dueAt && task.acknowledgedAt) {
    return <span className="acked-text">{acknowledgedWords(task)}</span>;
  }
  const due = task.dueAt ?? task.ackBy;
  if (!due) return <span className="muted">No due time</span>;
  return (
    <span className="cell-stack">
      <span>
        {task.dueAt ? 'Due' : 'Ack by'} {dayAndTime(due, ctx.now)}
      </span>
      {isOverdue(task, ctx.now) ? (
        <OverdueTag />
      ) : (
        <span className="muted small">{relative(due, ctx.now)}</span>
      )}
    </span>
  );
}

/** Due time with "Overdue" in words; sorted by urgency (overdue first, then due time, then priority). */
export const dueColumn: Column = {
  id: 'due',
  header: 'Due',
  cell: (task, ctx) => <DueText task={task} ctx={ctx} />,
  compare: compareUrgency,
  sortKey: urgencyKey,
};

export const ownerColumn: Column = {
  id: 'owner',
  header: 'Owner',
  cell: (task) => <OwnerName task={task} />,
  compare: (a, b) => compareText(a.owner?.name ?? '~', b.owner?.name ?? '~'),
};

export const waitingColumn: Column = {
  id: 'waiting',
  header: 'Waiting',
  cell: (task, ctx) => age(task.createdAt, ctx.now),
  compare: (a, b) => compareTimes(timeOf(b.createdAt), timeOf(a.createdAt)),
};

export function progress(task: Task): { done: number; total: number } {
  return { done: task.checklist.filter((i) => i.done).length, total: task.checklist.length };
}

export const progressColumn: Column = {
  id: 'progress',
  header: 'Checklist',
  cell: (task) => {
    const { done, total } = progress(task);
    return total ? `${done} of ${total} done` : <span className="muted">—</span>;
  },
  compare: (a, b) =>
    progress(a).done / (progress(a).total || 1) - progress(b).done / (progress(b).total || 1),
};

/** The card's first line for any task: priority, title, and the flags a nurse must not miss. */
export function CardTitle({ task, ctx }: { task: Task; ctx: RowContext }) {
  return (
    <span className="card-title">
      <PriorityBadge priority={task.priority} />
      <span className="strong">{task.title}</span>
      {ctx.sending.has(task.id) && <SendingTag />}
      <EscalationTag task={task} />
      <HandoverTag task={task} me={ctx.me} />
      <YourPatientTag task={task} />
    </span>
  );
}

/** On cards and rows: "Handed to you by R. Okafor" for the receiver, "Being handed to …" for others. */
export function HandoverTag({ task, me }: { task: Task; me: RowContext['me'] }) {
  if (!task.handover) return null;
  const toMe = task.handover.to.id === me.id;
  return (
    <span className={toMe ? 'badge handing to-me' : 'badge handing'}>
      {toMe ? handedOverByWords(task) : beingHandedWords(task)}
    </span>
  );
}

export function PatientLine({ task }: { task: Task }) {
  if (!task.patient) return <span className="muted">No patient on this task · {task.unit}</span>;
  return (
    <span>
      <span className="patient-name">{task.patient.name}</span> · Bed {task.patient.bed ?? '—'} · {task.unit}
    </span>
  );
}
