import './handover.css';
import { useId, useMemo, useState } from 'react';
import { useLocation } from 'react-router';
import { useNow } from '../../app/clock';
import { useDocumentTitle } from '../../app/document-title';
import { usePassingOnTaskIds, useSession, useTasks } from '../../app/session';
import { SignOutButton, type HandOnChoice } from '../../app/sign-out';
import { isClosed, type Task } from '../../domain';
import { dayAndTime } from '../shared/format';
import { heldUndecided } from '../worklist/selections';
import { HandoverForm } from './handover-form';
import { beingHandedWords, currentDecline } from './handover-words';

function startOf(state: unknown): HandOnChoice | undefined {
  const start = (state as { start?: unknown } | null)?.start;
  return start === 'colleague' || start === 'queue' ? start : undefined;
}

/**
 * End of shift (docs/HANDOFFS.md): what she still holds, chosen all by default; hand them to a
 * colleague with an I-PASS note, return them to the unit queue with a note, or keep them. Offers
 * waiting for an answer are listed apart: they stay hers until accepted. Signing out from here asks
 * nothing more about them, only about unsent actions.
 */
export function Component() {
  useDocumentTitle('End my shift');
  const { me, db } = useSession();
  const tasks = useTasks();
  const now = useNow();
  const location = useLocation();
  const headingId = useId();
  const passing = usePassingOnTaskIds();
  const held = useMemo(
    () => (tasks ? heldUndecided(tasks, me).filter((t) => !passing.has(t.id)) : []),
    [tasks, me, passing],
  );
  const offered = useMemo(
    () =>
      (tasks ?? []).filter(
        (t) => !isClosed(t) && t.owner?.id === me.id && (t.handover?.from.id === me.id || passing.has(t.id)),
      ),
    [tasks, me, passing],
  );
  // Unticked rather than ticked ids: work claimed while the page is open is included by default.
  const [left, setLeft] = useState<ReadonlySet<string>>(new Set());
  const [formKey, setFormKey] = useState(0);
  const chosen = held.filter((t) => !left.has(t.id));
  const toggle = (id: string) =>
    setLeft((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  if (!tasks) return <p className="muted">Loading…</p>;
  return (
    <section className="end-shift" aria-labelledby={headingId}>
      <h1 id={headingId} className="list-title">
        End my shift
      </h1>
      {held.length === 0 ? (
        <p className="summary">
          {offered.length === 0
            ? 'You hold no claimed work. You can sign out.'
            : 'Everything you held is handed on or waiting for an answer.'}
        </p>
      ) : (
        <>
          <p className="summary">
            You hold {held.length === 1 ? '1 task' : `${held.length} tasks`}. Choose which to pass on, then
            hand them to a colleague or return them to the unit queue. Anything you keep stays yours.
          </p>
          <ul className="held-choices" aria-label="Work you hold">
            {held.map((task) => (
              <HeldTask key={task.id} task={task} now={now} checked={!left.has(task.id)} onToggle={toggle} />
            ))}
          </ul>
          {chosen.length > 0 ? (
            <HandoverForm
              key={`${formKey}-${startOf(location.state) ?? ''}`}
              tasks={chosen}
              start={startOf(location.state)}
              heading={`Pass on ${chosen.length === 1 ? '1 task' : `${chosen.length} tasks`}`}
              onDone={() => {
                setLeft(new Set());
                setFormKey((k) => k + 1);
              }}
            />
          ) : (
            <p className="note">Nothing chosen: tick the tasks to pass on.</p>
          )}
        </>
      )}
      {offered.length > 0 && (
        <section className="panel" aria-labelledby={`${headingId}-offered`}>
          <h2 id={`${headingId}-offered`}>Waiting for an answer</h2>
          <p className="muted">These stay yours until accepted; the charge nurse hears if nobody answers.</p>
          <ul className="held-list">
            {offered.map((task) => (
              <li key={task.id} data-task-id={task.id}>
                <span className="strong">{task.title}</span>
                {task.patient && <span className="muted"> · {task.patient.name}</span>}
                <br />
                {task.handover ? (
                  <span className="badge handing">{beingHandedWords(task)}</span>
                ) : (
                  <span className="badge sending">Waiting to be sent</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="action-row end-shift-sign-out">
        <SignOutButton db={db} className="btn btn-large">
          {held.length > 0 ? `Keep ${held.length === 1 ? 'it' : 'the rest'} and sign out` : 'Sign out'}
        </SignOutButton>
      </div>
    </section>
  );
}

function HeldTask({
  task,
  now,
  checked,
  onToggle,
}: {
  task: Task;
  now: number;
  checked: boolean;
  onToggle(id: string): void;
}) {
  const declined = currentDecline(task);
  return (
    <li data-task-id={task.id}>
      <label className="held-choice">
        <input type="checkbox" checked={checked} onChange={() => onToggle(task.id)} />
        <span>
          <span className="strong">{task.title}</span>
          <span className="muted">
            {task.patient ? ` · ${task.patient.name}, bed ${task.patient.bed ?? '—'}` : ''}
            {task.dueAt ? ` · due ${dayAndTime(task.dueAt, now)}` : ''}
          </span>
          {declined && (
            <span className="declined-line">
              Declined by {declined.by.name}: {declined.reason}
            </span>
          )}
        </span>
      </label>
    </li>
  );
}
