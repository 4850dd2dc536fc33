import './holders.css';
import { useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useNow } from '../../app/clock';
import { useDocumentTitle } from '../../app/document-title';
import { useExecute, usePendingTaskIds, useSession, useTasks } from '../../app/session';
import type { Task } from '../../domain';
import { EscalationTag } from '../escalations/countdown';
import { ColleaguePicker } from '../handover/colleague-picker';
import { useColleagues } from '../handover/use-colleagues';
import { PriorityBadge, SendingTag } from '../shared/badges';
import { may } from '../task/available-actions';
import { DueText, HandoverTag } from '../worklist/columns';
import { holdingsOf, type Holding } from './holdings';
import { UnitSwitch } from '../shared/unit-switch';

/**
 * Who holds what (docs/HANDOFFS.md): for charge nurses, coordinators and house supervisors, every open
 * task of a unit grouped by who holds it, with whether she is on shift and how much she holds, then the
 * unit's unclaimed work. Select tasks to reassign them to a colleague or release them to the queue on
 * her behalf. It reads the app's one worklist, so it changes live as work moves.
 */
export function Component() {
  const { me } = useSession();
  useDocumentTitle('Who holds what');
  const units = me.units;
  const [unit, setUnit] = useState(units[0] ?? '');
  const headingId = useId();
  return (
    <section className="holders" aria-labelledby={headingId}>
      <div className="list-header">
        <h1 id={headingId} className="list-title">
          Who holds what
        </h1>
        <UnitSwitch units={units} unit={unit} onChange={setUnit} />
      </div>
      {unit ? <UnitBoard key={unit} unit={unit} /> : <p className="empty">You are on no unit.</p>}
    </section>
  );
}

function UnitBoard({ unit }: { unit: string }) {
  const { me } = useSession();
  const tasks = useTasks();
  const now = useNow();
  const execute = useExecute();
  const unitList = useMemo(() => [unit], [unit]);
  const colleagues = useColleagues(unitList);
  const known = useMemo(() => (colleagues.status === 'ready' ? colleagues.colleagues : []), [colleagues]);
  const holdings = useMemo(() => holdingsOf(tasks ?? [], unit, known, now), [tasks, unit, known, now]);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [reassigning, setReassigning] = useState(false);
  const nowIso = new Date(now).toISOString();

  const open = new Map(holdings.flatMap((h) => h.tasks.map((t) => [t.id, t] as const)));
  // Selected tasks that are still open on this unit: one closed meanwhile drops out by itself.
  const selected = [...chosen].map((id) => open.get(id)).filter((t): t is Task => t !== undefined);
  const releasable = selected.filter((t) => may(t, 'release', {}, me, nowIso));
  const toggle = (id: string) =>
    setChosen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const done = () => {
    setChosen(new Set());
    setReassigning(false);
  };

  if (!tasks) return <p className="muted">Loading…</p>;
  const total = open.size;
  const unclaimed = holdings.at(-1)?.tasks.length ?? 0;
  return (
    <>
      <p className="summary">
        {total} open on {unit} · {total - unclaimed} held · {unclaimed} unclaimed. Overdue and escalating work
        comes first.
      </p>
      {colleagues.status === 'failed' && (
        <p className="note">{colleagues.message} On-shift states are not shown.</p>
      )}
      {selected.length > 0 && (
        <div className="selection-bar" role="region" aria-label="Selected tasks">
          <p className="strong">{selected.length} selected</p>
          {!reassigning && (
            <div className="action-row">
              <button type="button" className="btn btn-primary" onClick={() => setReassigning(true)}>
                Reassign to…
              </button>
              {releasable.length > 0 && (
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    for (const t of releasable) void execute(t.id, 'release', {});
                    done();
                  }}
                >
                  Release {releasable.length === 1 ? 'it' : releasable.length} to the queue
                </button>
              )}
              <button type="button" className="btn btn-quiet" onClick={done}>
                Clear selection
              </button>
            </div>
          )}
          {reassigning && (
            <ColleaguePicker
              tasks={selected}
              type="reassign"
              label={`Reassign ${selected.length === 1 ? 'it' : `all ${selected.length}`} to`}
              onPick={(colleague) => {
                for (const t of selected) void execute(t.id, 'reassign', { to: { id: colleague.id } });
                done();
              }}
              onCancel={() => setReassigning(false)}
            />
          )}
        </div>
      )}
      {holdings.map((holding) => (
        <HolderGroup
          key={holding.id ?? 'unclaimed'}
          holding={holding}
          chosen={chosen}
          onToggle={toggle}
          now={now}
        />
      ))}
    </>
  );
}

function HolderGroup({
  holding,
  chosen,
  onToggle,
  now,
}: {
  holding: Holding;
  chosen: ReadonlySet<string>;
  onToggle(id: string): void;
  now: number;
}) {
  const { me } = useSession();
  const sending = usePendingTaskIds();
  const headingId = useId();
  const count = holding.tasks.length;
  return (
    <section
      className={holding.id ? 'holder' : 'holder holder-unclaimed'}
      aria-labelledby={headingId}
      data-holder-id={holding.id ?? 'unclaimed'}
    >
      <h2 id={headingId} className="holder-head">
        <span className="holder-name">{holding.name}</span>
        {holding.onShift !== null && (
          <span className={holding.onShift ? 'presence on-shift' : 'presence off-shift'}>
            {holding.onShift ? 'On shift now' : 'Not on shift'}
          </span>
        )}
        <span className="holder-count">{count} open</span>
      </h2>
      {count === 0 ? (
        <p className="muted holder-empty">{holding.id ? 'Holds nothing.' : 'Nothing unclaimed.'}</p>
      ) : (
        <ul className="holder-tasks">
          {holding.tasks.map((task) => (
            <li key={task.id} data-task-id={task.id} className={chosen.has(task.id) ? 'selected' : undefined}>
              <label className="holder-check">
                <input type="checkbox" checked={chosen.has(task.id)} onChange={() => onToggle(task.id)} />
                <span className="sr-only">Select {task.title}</span>
              </label>
              <Link className="holder-link" to={`/tasks/${encodeURIComponent(task.id)}`}>
                <span className="card-title">
                  <PriorityBadge priority={task.priority} />
                  <span className="strong">{task.title}</span>
                  <EscalationTag task={task} />
                  {sending.has(task.id) && <SendingTag />}
                  <HandoverTag task={task} me={me} />
                </span>
                <span className="holder-meta">
                  <span>
                    {task.patient ? (
                      <>
                        <span className="patient-name">{task.patient.name}</span> · Bed{' '}
                        {task.patient.bed ?? '—'}
                      </>
                    ) : (
                      'No patient'
                    )}
                  </span>
                  <DueText task={task} ctx={{ me, now, nowIso: new Date(now).toISOString(), sending }} />
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
