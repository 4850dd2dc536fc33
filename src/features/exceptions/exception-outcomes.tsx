import { useId, useState, type FormEvent } from 'react';
import type { ExceptionOutcome, Task } from '../../domain';
import { useNow } from '../../app/clock';
import { useSession, useTasks, type Execute } from '../../app/session';
import { may } from '../task/available-actions';
import { OUTCOME_WORDS, REASON_WORDS } from '../shared/words';
import { useUndo } from './undo-store';

/**
 * How an exception ends: fixed here (sent at once), dismissed, or sent back to the system it came from.
 * The last two leave the problem to someone else, so they ask why (a short pick list, plus words when
 * the list does not say it) and wait a few seconds for an Undo before they are sent (`useUndo`). The
 * same outcome may be given to every open exception identical to this one (same reason), one command
 * per task through the outbox.
 */

const REASONS: Record<Exclude<ExceptionOutcome, 'fixed'>, readonly string[]> = {
  dismissed: [
    'Duplicate of another message',
    'Test or training message',
    'Already handled elsewhere',
    'Not for this hospital',
    'Other',
  ],
  'sent-upstream': [
    'Wrong patient identifier',
    'Missing or invalid data',
    'Needs correcting at the source',
    'Other',
  ],
};

const DONE_WORDS: Record<ExceptionOutcome, string> = {
  fixed: 'Fixed',
  dismissed: 'Dismissed',
  'sent-upstream': 'Sent back upstream',
};

/** Open exceptions like this one (same reason) that I may end the same way now, this one first. */
function identicalTo(task: Task, tasks: readonly Task[], may: (t: Task) => boolean): Task[] {
  const reason = task.exception?.reasonCode;
  if (!reason) return [task];
  const others = tasks.filter(
    (t) => t.id !== task.id && t.kind === 'exception' && t.exception?.reasonCode === reason && may(t),
  );
  return [task, ...others];
}

export function ExceptionOutcomes({
  task,
  outcomes,
  execute,
}: {
  task: Task;
  outcomes: ExceptionOutcome[];
  execute: Execute;
}) {
  const { me } = useSession();
  const tasks = useTasks();
  const now = useNow();
  const noteId = useId();
  const headingId = useId();
  const allId = useId();
  const [note, setNote] = useState('');
  const [all, setAll] = useState(false);
  const [asking, setAsking] = useState<Exclude<ExceptionOutcome, 'fixed'> | null>(null);
  const waiting = useUndo((s) => s.pending?.taskIds.includes(task.id) ?? false);
  if (outcomes.length === 0) return null;

  const nowIso = new Date(now).toISOString();
  const alike = identicalTo(task, tasks ?? [], (t) => may(t, 'resolve', { outcome: 'fixed' }, me, nowIso));
  const targets = all ? alike : [task];
  const reasonWords = task.exception ? REASON_WORDS[task.exception.reasonCode] : 'this reason';

  function send(outcome: ExceptionOutcome, why: string | null) {
    const text = [why, note.trim()].filter(Boolean).join(': ');
    const payload = { outcome, ...(text ? { note: text } : {}) };
    const ids = targets.map((t) => t.id);
    const sendAll = () => {
      for (const id of ids) void execute(id, 'resolve', payload);
    };
    setAsking(null);
    if (outcome === 'fixed') {
      sendAll();
      return;
    }
    const count = ids.length === 1 ? 'this exception' : `${ids.length} exceptions`;
    useUndo.getState().hold(`${DONE_WORDS[outcome]} ${count}`, ids, sendAll);
  }

  if (waiting) {
    return (
      <section className="panel" id="resolve-outcomes" aria-labelledby={headingId}>
        <h3 id={headingId}>How does this exception end?</h3>
        <p className="note">Waiting a few seconds before it is sent: Undo is at the foot of the screen.</p>
      </section>
    );
  }

  return (
    <section className="panel" id="resolve-outcomes" aria-labelledby={headingId}>
      <h3 id={headingId}>How does this exception end?</h3>
      {alike.length > 1 && (
        <p className="check-line">
          <input id={allId} type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          <label htmlFor={allId}>
            All {alike.length} open exceptions like this one ({reasonWords})
          </label>
        </p>
      )}
      <label htmlFor={noteId}>Note for the record (optional)</label>
      <textarea
        id={noteId}
        value={note}
        maxLength={1500}
        rows={2}
        onChange={(e) => setNote(e.target.value)}
      />
      <div className="action-row">
        {outcomes.map((outcome) => (
          <button
            key={outcome}
            type="button"
            aria-expanded={outcome === 'fixed' ? undefined : asking === outcome}
            className={outcome === 'fixed' ? 'btn btn-primary' : 'btn'}
            onClick={() => (outcome === 'fixed' ? send('fixed', null) : setAsking(outcome))}
          >
            {OUTCOME_WORDS[outcome]}
            {outcome === 'fixed' ? '' : '…'}
          </button>
        ))}
      </div>
      {asking && (
        <OutcomeReason
          key={asking}
          outcome={asking}
          count={targets.length}
          onCancel={() => setAsking(null)}
          onSubmit={(why) => send(asking, why)}
        />
      )}
    </section>
  );
}

/** Why it is dismissed or sent back: one of a few reasons, or "Other" and the words for it. */
function OutcomeReason({
  outcome,
  count,
  onSubmit,
  onCancel,
}: {
  outcome: Exclude<ExceptionOutcome, 'fixed'>;
  count: number;
  onSubmit(reason: string): void;
  onCancel(): void;
}) {
  const pickId = useId();
  const otherId = useId();
  const [pick, setPick] = useState('');
  const [other, setOther] = useState('');
  const reason = pick === 'Other' ? other.trim() : pick;
  const verb = outcome === 'dismissed' ? 'Dismiss' : 'Send back';
  return (
    <form
      className="reason-form reason-pick"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (reason) onSubmit(reason);
      }}
    >
      <label htmlFor={pickId}>
        {outcome === 'dismissed' ? 'Why dismiss it?' : 'Why send it back upstream?'}
      </label>
      <select id={pickId} value={pick} required autoFocus onChange={(e) => setPick(e.target.value)}>
        <option value="">Choose a reason</option>
        {REASONS[outcome].map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      {pick === 'Other' && (
        <>
          <label htmlFor={otherId}>The reason, in a few words</label>
          <input
            id={otherId}
            value={other}
            required
            maxLength={400}
            autoComplete="off"
            onChange={(e) => setOther(e.target.value)}
          />
        </>
      )}
      <div className="action-row">
        <button type="submit" className="btn btn-primary" disabled={!reason}>
          {count === 1 ? verb : `${verb} ${count}`}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
