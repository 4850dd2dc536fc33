import { SELECTIONS } from '../worklist/selections';
import { requiredItemsOpen, type Task } from '../../domain';
import { OwnerName } from '../shared/badges';
import { dayAndTime, duration } from '../shared/format';
import { bedColumn, ownerColumn, patientFirstColumn, progress, unitColumn } from '../worklist/columns';
import type { Column, ListDefinition, RowContext } from '../worklist/list-definition';
import { ListDetail } from '../worklist/list-detail';
import { compareTimes, timeOf } from '../worklist/sorting';
import { WorkList } from '../worklist/work-list';

/**
 * What stands between a patient and going home, each with its reason: a hold (and why), the expected
 * time already passed, and the required milestones still open. (Nobody owning it shows as the owner.)
 */
export function barriersOf(task: Task, now: number): string[] {
  const barriers: string[] = [];
  if (task.hold) barriers.push(`On hold: ${task.hold.reason}`);
  const expected = task.expectedDischargeAt ? Date.parse(task.expectedDischargeAt) : null;
  if (expected !== null && expected < now) barriers.push(`Past expected time by ${duration(now - expected)}`);
  const open = requiredItemsOpen(task);
  if (open.length > 0) barriers.push(`Open: ${open.map((i) => i.label).join(', ')}`);
  return barriers;
}

function Barriers({ task, ctx }: { task: Task; ctx: RowContext }) {
  const barriers = barriersOf(task, ctx.now);
  if (barriers.length === 0) return <span className="ready">Ready to go</span>;
  return (
    <ul className="barriers">
      {barriers.map((b) => (
        <li key={b}>{b}</li>
      ))}
    </ul>
  );
}

function Milestones({ task }: { task: Task }) {
  const { done, total } = progress(task);
  if (total === 0) return <span className="muted">No checklist</span>;
  return (
    <span className="milestones">
      <meter min={0} max={total} value={done} aria-hidden="true" />
      <span>
        {done} of {total} done
      </span>
    </span>
  );
}

const expectedColumn: Column = {
  id: 'expected',
  header: 'Expected',
  cell: (task, ctx) => dayAndTime(task.expectedDischargeAt, ctx.now),
  compare: (a, b) => compareTimes(timeOf(a.expectedDischargeAt), timeOf(b.expectedDischargeAt)),
};

const milestonesColumn: Column = {
  id: 'milestones',
  header: 'Milestones',
  cell: (task) => <Milestones task={task} />,
  compare: (a, b) =>
    progress(a).done / (progress(a).total || 1) - progress(b).done / (progress(b).total || 1),
};

const barriersColumn: Column = {
  id: 'barriers',
  header: 'Barriers',
  cell: (task, ctx) => <Barriers task={task} ctx={ctx} />,
  compare: (a, b, now) => barriersOf(b, now).length - barriersOf(a, now).length,
};

/** Coordinators: one row per patient on the way home, by expected time. */
export const dischargeBoard: ListDefinition = {
  id: 'discharge',
  title: 'Discharges',
  summary: 'Every patient on the way home, by expected discharge time, with what is still in the way.',
  select: (tasks, { me }) => tasks.filter((t) => SELECTIONS.discharge(t, me)),
  columns: [
    patientFirstColumn,
    bedColumn,
    unitColumn,
    expectedColumn,
    milestonesColumn,
    barriersColumn,
    ownerColumn,
  ],
  defaultSort: { column: 'expected', direction: 'asc' },
  card: (task, ctx) => (
    <>
      <span className="card-title">
        <span className="strong patient-name">{task.patient?.name ?? 'No patient'}</span>
        <span>
          Bed {task.patient?.bed ?? '—'} · {task.unit}
        </span>
      </span>
      <span className="card-meta">
        <span>Expected {dayAndTime(task.expectedDischargeAt, ctx.now)}</span>
        <Milestones task={task} />
        <span>
          Owner: <OwnerName task={task} />
        </span>
      </span>
      <Barriers task={task} ctx={ctx} />
    </>
  ),
  empty: 'No discharges in progress on your units.',
};

export function Component() {
  return <ListDetail list={<WorkList definition={dischargeBoard} />} />;
}
