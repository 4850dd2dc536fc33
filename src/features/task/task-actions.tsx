import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { Task } from '../../domain';
import type { Execute } from '../../app/session';
import { clockTime } from '../shared/format';
import { ACTION_BUTTONS, splitActions, type ActionButton, type ButtonId } from './action-registry';
import type { TaskOffers } from './available-actions';

function ActionButtonFor({
  id,
  onPress,
  className,
}: {
  id: ButtonId;
  onPress(id: ButtonId): void;
  className?: string;
}) {
  const button = ACTION_BUTTONS[id];
  return (
    <button type="button" className={className ?? button.className} onClick={() => onPress(id)}>
      {button.label}
    </button>
  );
}

/**
 * The one action this kind of task needs first (`splitActions`: Acknowledge for a critical result,
 * Claim for unclaimed work, then Resolve) as a large button near the top; the others the relay would
 * apply are under "More actions".
 */
export function PrimaryActions({
  task,
  offers,
  execute,
}: {
  task: Task;
  offers: TaskOffers;
  execute: Execute;
}) {
  const { first } = splitActions(task, offers);
  if (!first) return null;
  const press = (id: ButtonId) => {
    const button: ActionButton = ACTION_BUTTONS[id];
    void execute(task.id, button.type, button.payload);
  };
  return (
    <div className="action-row primary-actions" role="group" aria-label="Actions">
      <ActionButtonFor id={first} onPress={press} className="btn btn-primary" />
    </div>
  );
}

/**
 * Everything but the first action — the other moves (start, claim, resolve) and the rarer ones (resolve
 * with an override, hold, escalate, release) — behind one "More actions" disclosure, so a phone screen
 * keeps the checklist in reach. Those that need a reason ask for it.
 */
export function MoreActions({
  task,
  offers,
  execute,
  children,
}: {
  task: Task;
  offers: TaskOffers;
  execute: Execute;
  /** More rare actions (on a phone: reassign and hand over, `HandOnActions`). */
  children?: ReactNode;
}) {
  const [asking, setAsking] = useState<ButtonId | null>(null);
  const shown = splitActions(task, offers).more;
  if (shown.length === 0 && !children) return null;
  const press = (id: ButtonId) => {
    const button: ActionButton = ACTION_BUTTONS[id];
    if (button.asks) setAsking(id);
    else void execute(task.id, button.type, button.payload);
  };
  const question: ActionButton['asks'] = asking ? (ACTION_BUTTONS[asking] as ActionButton).asks : undefined;
  return (
    <details className="panel more-actions">
      <summary>More actions</summary>
      <div className="action-row">
        {shown.map((id) => (
          // One primary button per task: the ones moved here are plain.
          <ActionButtonFor
            key={id}
            id={id}
            onPress={press}
            className={ACTION_BUTTONS[id].className.replace(' btn-primary', '')}
          />
        ))}
      </div>
      {children}
      {asking && question && (
        <ReasonForm
          key={asking}
          label={question.label}
          submit={question.submit}
          onCancel={() => setAsking(null)}
          onSubmit={(reason) => {
            setAsking(null);
            void execute(task.id, ACTION_BUTTONS[asking].type, question.payload(reason));
          }}
        />
      )}
    </details>
  );
}

/** One short reason, required before the action it explains (hold, override, decline a handover). */
export function ReasonForm({
  label,
  submit,
  cancel = 'Cancel',
  onSubmit,
  onCancel,
}: {
  label: string;
  submit: string;
  cancel?: string;
  onSubmit(reason: string): void;
  onCancel(): void;
}) {
  const id = useId();
  const [reason, setReason] = useState('');
  return (
    <form
      className="reason-form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (reason.trim()) onSubmit(reason.trim());
      }}
    >
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={reason}
        required
        maxLength={500}
        autoComplete="off"
        autoFocus
        onChange={(e) => setReason(e.target.value)}
      />
      <div className="action-row">
        <button type="submit" className="btn btn-primary" disabled={!reason.trim()}>
          {submit}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          {cancel}
        </button>
      </div>
    </form>
  );
}

/** Notes on the task for the next person; anyone who can see it may add one, even after it closed. */
export function Comments({
  task,
  canComment,
  execute,
}: {
  task: Task;
  canComment: boolean;
  execute: Execute;
}) {
  const id = useId();
  const headingId = useId();
  const [text, setText] = useState('');
  if (task.comments.length === 0 && !canComment) return null;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>Notes</h3>
      {task.comments.length > 0 && (
        <ul className="comments">
          {task.comments.map((c, i) => (
            <li key={`${c.at}-${i}`}>
              <span className="who">{c.by.name}</span> <span className="muted">{clockTime(c.at)}</span>
              <p>{c.text}</p>
            </li>
          ))}
        </ul>
      )}
      {canComment && (
        <form
          className="reason-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!text.trim()) return;
            void execute(task.id, 'comment', { text: text.trim() });
            setText('');
          }}
        >
          <label htmlFor={id}>Add a note</label>
          <textarea
            id={id}
            value={text}
            rows={2}
            maxLength={2000}
            onChange={(e) => setText(e.target.value)}
          />
          <div className="action-row">
            <button type="submit" className="btn" disabled={!text.trim()}>
              Add note
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
