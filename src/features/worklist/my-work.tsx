import { Link } from 'react-router';
import { SELECTIONS } from './selections';
import {
  CardTitle,
  dueColumn,
  DueText,
  PatientLine,
  priorityColumn,
  progress,
  progressColumn,
  statusColumn,
  titleColumn,
  patientColumn,
  bedColumn,
} from './columns';
import type { ListDefinition } from './list-definition';
import { ListDetail } from './list-detail';
import { WorkList } from './work-list';
import { StatusBadge } from '../shared/badges';

/** What I own and have not finished: overdue first, then by due time, then by priority. */
export const myWork: ListDefinition = {
  id: 'my-work',
  title: 'My work',
  summary: 'Tasks you have claimed and work handed to you, overdue first, then by due time and priority.',
  select: (tasks, { me }) => tasks.filter((t) => SELECTIONS['my-work'](t, me)),
  columns: [titleColumn, patientColumn, bedColumn, priorityColumn, statusColumn, dueColumn, progressColumn],
  defaultSort: { column: 'due', direction: 'asc' },
  card: (task, ctx) => {
    const { done, total } = progress(task);
    return (
      <>
        <CardTitle task={task} ctx={ctx} />
        <PatientLine task={task} />
        <span className="card-meta">
          <StatusBadge task={task} />
          <DueText task={task} ctx={ctx} />
          {total > 0 && (
            <span>
              {done} of {total} done
            </span>
          )}
        </span>
      </>
    );
  },
  quickAction: (task) => (task.kind === 'result-ack' ? 'acknowledge' : null),
  // A nurse's first screen is often this one, empty: the way to work is one tap away, not a sentence.
  empty: (
    <>
      Nothing claimed. <Link to="/queue">Claim work from the unit queue</Link>.
    </>
  ),
};

export function Component() {
  return <ListDetail list={<WorkList definition={myWork} />} />;
}
