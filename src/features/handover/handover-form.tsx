import './handover.css';
import { useId, useState } from 'react';
import type { HandoverNote, IllnessSeverity, Task } from '../../domain';
import { useNow } from '../../app/clock';
import { useExecute } from '../../app/session';
import type { Colleague } from '../../data/colleagues';
import { dayAndTime } from '../shared/format';
import { ColleaguePicker } from './colleague-picker';
import { SEVERITY_WORDS, patientGroups, type PatientGroup } from './handover-words';

interface NoteDraft {
  severity: IllnessSeverity | '';
  summary: string;
  awareness: string;
  text: string;
}

const EMPTY_DRAFT: NoteDraft = { severity: '', summary: '', awareness: '', text: '' };

/** Only the parts she filled in: every part of an I-PASS note is optional. */
function noteOf(draft: NoteDraft | undefined): HandoverNote | undefined {
  if (!draft) return undefined;
  const note: HandoverNote = {};
  if (draft.severity) note.severity = draft.severity;
  if (draft.summary.trim()) note.summary = draft.summary.trim();
  if (draft.awareness.trim()) note.awareness = draft.awareness.trim();
  if (draft.text.trim()) note.text = draft.text.trim();
  return Object.keys(note).length > 0 ? note : undefined;
}

type Mode = 'choose' | 'colleague' | 'queue';

/**
 * Hand my work on (docs/HANDOFFS.md): to a named colleague with an I-PASS note per patient — illness
 * severity, a one-line summary, the action list (the tasks themselves with their due times, never
 * retyped) and situation awareness — or back to the unit queue with a note. Each task is one action
 * through the outbox, so it works offline and is applied once. The tasks stay mine until she accepts.
 */
export function HandoverForm({
  tasks,
  heading,
  start = 'choose',
  onDone,
  onCancel,
}: {
  tasks: readonly Task[];
  heading: string;
  /** Where to begin: the choice, or straight at the colleague picker or the queue note. */
  start?: Mode | undefined;
  onDone(): void;
  onCancel?(): void;
}) {
  const execute = useExecute();
  const [mode, setMode] = useState<Mode>(start);
  const [receiver, setReceiver] = useState<Colleague | null>(null);
  const [drafts, setDrafts] = useState<Record<string, NoteDraft>>({});
  const [queueNote, setQueueNote] = useState('');
  const headingId = useId();
  const queueNoteId = useId();
  const groups = patientGroups(tasks);
  const count = tasks.length === 1 ? 'this task' : `these ${tasks.length} tasks`;

  const offer = () => {
    if (!receiver) return;
    for (const group of groups) {
      const note = noteOf(drafts[group.key]);
      for (const task of group.tasks) {
        void execute(task.id, 'handover.offer', { to: { id: receiver.id }, ...(note ? { note } : {}) });
      }
    }
    onDone();
  };
  const release = () => {
    const note = queueNote.trim();
    for (const task of tasks) void execute(task.id, 'release', note ? { note } : {});
    onDone();
  };

  return (
    <section className="panel handover-form" aria-labelledby={headingId}>
      <h3 id={headingId}>{heading}</h3>
      {mode === 'choose' && (
        <div className="action-row">
          <button type="button" className="btn btn-primary" onClick={() => setMode('colleague')}>
            Hand to a colleague…
          </button>
          <button type="button" className="btn" onClick={() => setMode('queue')}>
            Back to the unit queue, with a note…
          </button>
          {onCancel && (
            <button type="button" className="btn btn-quiet" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      )}

      {mode === 'queue' && (
        <form
          className="reason-form"
          onSubmit={(e) => {
            e.preventDefault();
            release();
          }}
        >
          <label htmlFor={queueNoteId}>Note for whoever claims it next (optional)</label>
          <textarea
            id={queueNoteId}
            rows={2}
            maxLength={2000}
            value={queueNote}
            onChange={(e) => setQueueNote(e.target.value)}
          />
          <div className="action-row">
            <button type="submit" className="btn btn-primary">
              Return {tasks.length === 1 ? 'it' : `all ${tasks.length}`} to the unit queue
            </button>
            <button type="button" className="btn btn-quiet" onClick={() => setMode('choose')}>
              Back
            </button>
          </div>
        </form>
      )}

      {mode === 'colleague' && !receiver && (
        <ColleaguePicker
          tasks={tasks}
          type="handover.offer"
          label={`Who takes ${count}?`}
          onPick={setReceiver}
          onCancel={() => setMode('choose')}
        />
      )}

      {mode === 'colleague' && receiver && (
        <form
          className="ipass"
          onSubmit={(e) => {
            e.preventDefault();
            offer();
          }}
        >
          <p className="handover-to">
            To <span className="strong">{receiver.name}</span>
            <span className="muted">
              {' '}
              · {receiver.onShift ? 'on shift now' : 'not on shift'} · {receiver.openCount} open
            </span>{' '}
            <button type="button" className="btn btn-quiet" onClick={() => setReceiver(null)}>
              Change
            </button>
          </p>
          {groups.map((group) => (
            <PatientNote
              key={group.key}
              group={group}
              single={tasks.length === 1}
              draft={drafts[group.key] ?? EMPTY_DRAFT}
              onChange={(draft) => setDrafts((all) => ({ ...all, [group.key]: draft }))}
            />
          ))}
          <div className="action-row">
            <button type="submit" className="btn btn-primary">
              Hand over to {receiver.name}
            </button>
            <button
              type="button"
              className="btn btn-quiet"
              onClick={() => {
                setReceiver(null);
                setMode('choose');
              }}
            >
              Back
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** One patient's I-PASS note; the action list is her tasks with their due times, not typed again. */
function PatientNote({
  group,
  single,
  draft,
  onChange,
}: {
  group: PatientGroup;
  single: boolean;
  draft: NoteDraft;
  onChange(draft: NoteDraft): void;
}) {
  const now = useNow();
  const id = useId();
  return (
    <fieldset className="ipass-patient">
      <legend>
        <span className="patient-name">{group.name}</span>
        {group.bed ? ` · Bed ${group.bed}` : ''}
      </legend>
      <fieldset className="severity" aria-describedby={`${id}-sev-hint`}>
        <legend>Illness severity</legend>
        <span id={`${id}-sev-hint`} className="sr-only">
          Optional
        </span>
        {(['stable', 'watcher', 'unstable'] as const).map((severity) => (
          <label key={severity} className={`severity-choice severity-${severity}`}>
            <input
              type="radio"
              name={`${id}-severity`}
              value={severity}
              checked={draft.severity === severity}
              onChange={() => onChange({ ...draft, severity })}
            />
            {SEVERITY_WORDS[severity]}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-summary`}>Patient summary (one line)</label>
      <input
        id={`${id}-summary`}
        value={draft.summary}
        maxLength={300}
        autoComplete="off"
        onChange={(e) => onChange({ ...draft, summary: e.target.value })}
      />
      <p className="ipass-label">Action list</p>
      <ul className="ipass-actions">
        {group.tasks.map((task) => (
          <li key={task.id}>
            {task.title}
            <span className="muted">
              {' '}
              ·{' '}
              {task.dueAt
                ? `due ${dayAndTime(task.dueAt, now)}`
                : task.ackBy && !task.acknowledgedAt
                  ? `ack by ${dayAndTime(task.ackBy, now)}`
                  : 'no due time'}
            </span>
          </li>
        ))}
      </ul>
      <label htmlFor={`${id}-awareness`}>Situation awareness and contingency</label>
      <textarea
        id={`${id}-awareness`}
        rows={2}
        maxLength={1000}
        placeholder="If K+ > 6 on recheck, call the registrar"
        value={draft.awareness}
        onChange={(e) => onChange({ ...draft, awareness: e.target.value })}
      />
      {single && (
        <>
          <label htmlFor={`${id}-text`}>Note</label>
          <textarea
            id={`${id}-text`}
            rows={2}
            maxLength={2000}
            value={draft.text}
            onChange={(e) => onChange({ ...draft, text: e.target.value })}
          />
        </>
      )}
    </fieldset>
  );
}
