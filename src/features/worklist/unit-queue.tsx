import { SELECTIONS } from './selections';
import {
  CardTitle,
  dueColumn,
  DueText,
  patientColumn,
  bedColumn,
  PatientLine,
  priorityColumn,
  titleColumn,
  unitColumn,
  waitingColumn,
} from './columns';
import type { ListDefinition } from './list-definition';
import { ListDetail } from './list-detail';
import { WorkList } from './work-list';
import { age } from '../shared/format';

/** Unclaimed work on my units that my role may take: one tap claims it. */
export const unitQueue: ListDefinition = {
  id: 'queue',
  title: 'Unit queue',
  summary: 'Unclaimed work on your units. Claim a task to make it yours.',
  select: (tasks, { me }) => tasks.filter((t) => SELECTIONS.queue(t, me)),
  columns: [titleColumn, patientColumn, bedColumn, unitColumn, priorityColumn, dueColumn, waitingColumn],
  defaultSort: { column: 'due', direction: 'asc' },
  card: (task, ctx) => (
    <>
      <CardTitle task={task} ctx={ctx} />
      <PatientLine task={task} />
      <span className="card-meta">
        <DueText task={task} ctx={ctx} />
        <span className="muted">Waiting {age(task.createdAt, ctx.now)}</span>
      </span>
    </>
  ),
  // A critical result is acknowledged first (which also gives it its owner, HO9); other work is claimed.
  quickAction: (task) => (task.kind === 'result-ack' ? 'acknowledge' : 'claim'),
  empty: 'The queue is empty: every task on your units is claimed.',
};

export function Component() {
  return <ListDetail list={<WorkList definition={unitQueue} />} />;
}
