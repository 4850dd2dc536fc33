import './handover.css';
import { useId, useState } from 'react';
import type { HandoverNote, Task } from '../../domain';
import type { Execute } from '../../app/session';
import { clockTime } from '../shared/format';
import type { TaskOffers } from '../task/available-actions';
import { ReasonForm } from '../task/task-actions';
import {
  beingHandedWords,
  currentAcceptance,
  currentDecline,
  handedOverByWords,
  hasNote,
  SEVERITY_WORDS,
} from './handover-words';

/**
 * Where a handover of this task stands (docs/HANDOFFS.md): offered and waiting ("Being handed to …",
 * with Withdraw for the sender), offered to me ("Handed over by …" with the note, "I have it" and
 * Decline), declined (the reason goes back to the sender), or accepted (the receiver's synthesis and
 * any question back to the sender).
 */
export function HandoverPanel({
  task,
  offers,
  execute,
}: {
  task: Task;
  offers: TaskOffers;
  execute: Execute;
}) {
  const headingId = useId();
  const pending = task.handover;
  const declined = currentDecline(task);
  const accepted = currentAcceptance(task);
  if (!pending && !declined && !accepted) return null;

  if (pending && offers.acceptHandover) {
    return (
      <section className="panel handover-panel handover-incoming" aria-labelledby={headingId}>
        <h3 id={headingId}>{handedOverByWords(task)}</h3>
        <NoteView note={pending.note} />
        <AnswerOffer task={task} canDecline={offers.declineHandover} execute={execute} />
      </section>
    );
  }
  if (pending) {
    return (
      <section className="panel handover-panel" aria-labelledby={headingId}>
        <h3 id={headingId}>{beingHandedWords(task)}</h3>
        <p className="muted">
          Until {pending.to.name} accepts, it stays with {pending.from.name}.
        </p>
        <NoteView note={pending.note} />
        {offers.withdrawHandover && (
          <div className="action-row">
            <button type="button" className="btn" onClick={() => void execute(task.id, 'handover.withdraw')}>
              Withdraw the offer
            </button>
          </div>
        )}
      </section>
    );
  }
  return (
    <section className="panel handover-panel" aria-labelledby={headingId}>
      {declined && (
        <>
          <h3 id={headingId}>
            {declined.by.name} declined the handover at {clockTime(declined.at)}
          </h3>
          <p>
            <span className="strong">Reason:</span> {declined.reason}
          </p>
          {task.owner && <p className="muted">It stays with {task.owner.name}.</p>}
        </>
      )}
      {!declined && accepted && (
        <>
          <h3 id={headingId}>
            {accepted.by.name} took it over from {accepted.from.name} at {clockTime(accepted.at)}
          </h3>
          {accepted.synthesis && (
            <p>
              <span className="strong">Synthesis:</span> {accepted.synthesis}
            </p>
          )}
          {accepted.question && (
            <p>
              <span className="strong">Question for {accepted.from.name}:</span> {accepted.question}
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** The I-PASS note as the receiver reads it; the action list is the task itself, shown above. */
export function NoteView({ note }: { note: HandoverNote | null }) {
  if (!hasNote(note)) return <p className="muted">No handover note.</p>;
  return (
    <dl className="facts handover-note">
      {note.severity && (
        <div>
          <dt>Illness severity</dt>
          <dd>
            <span className={`badge severity-${note.severity}`}>{SEVERITY_WORDS[note.severity]}</span>
          </dd>
        </div>
      )}
      {note.summary && (
        <div>
          <dt>Summary</dt>
          <dd>{note.summary}</dd>
        </div>
      )}
      {note.awareness && (
        <div>
          <dt>Situation awareness</dt>
          <dd>{note.awareness}</dd>
        </div>
      )}
      {note.text && (
        <div>
          <dt>Note</dt>
          <dd>{note.text}</dd>
        </div>
      )}
    </dl>
  );
}

/** "I have it" (the explicit transfer of responsibility) or Decline, which needs a reason. */
function AnswerOffer({ task, canDecline, execute }: { task: Task; canDecline: boolean; execute: Execute }) {
  const id = useId();
  const [declining, setDeclining] = useState(false);
  const [synthesis, setSynthesis] = useState('');
  const [question, setQuestion] = useState('');
  if (declining) {
    return (
      <ReasonForm
        label="Why can you not take it?"
        submit="Decline"
        cancel="Back"
        onSubmit={(reason) => void execute(task.id, 'handover.decline', { reason })}
        onCancel={() => setDeclining(false)}
      />
    );
  }
  return (
    <form
      className="reason-form"
      onSubmit={(e) => {
        e.preventDefault();
        void execute(task.id, 'handover.accept', {
          ...(synthesis.trim() ? { synthesis: synthesis.trim() } : {}),
          ...(question.trim() ? { question: question.trim() } : {}),
        });
      }}
    >
      <label htmlFor={`${id}-synthesis`}>Your synthesis (optional)</label>
      <input
        id={`${id}-synthesis`}
        value={synthesis}
        maxLength={1000}
        autoComplete="off"
        onChange={(e) => setSynthesis(e.target.value)}
      />
      <label htmlFor={`${id}-question`}>A question back to {task.handover?.from.name} (optional)</label>
      <input
        id={`${id}-question`}
        value={question}
        maxLength={1000}
        autoComplete="off"
        onChange={(e) => setQuestion(e.target.value)}
      />
      <div className="action-row">
        <button type="submit" className="btn btn-primary">
          I have it
        </button>
        {canDecline && (
          <button type="button" className="btn" onClick={() => setDeclining(true)}>
            Decline…
          </button>
        )}
      </div>
    </form>
  );
}
