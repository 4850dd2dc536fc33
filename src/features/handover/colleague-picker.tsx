import './handover.css';
import { useId, useMemo, useState } from 'react';
import type { Task } from '../../domain';
import { useSession } from '../../app/session';
import { useNow } from '../../app/clock';
import type { Colleague } from '../../data/colleagues';
import { clockTime } from '../shared/format';
import { ROLE_WORDS } from '../shared/words';
import { eligibleFor } from './eligible';
import { useColleagues } from './use-colleagues';

/**
 * Choose the colleague who takes these tasks. Lists only people `decide` would accept for every task
 * (the relay's list of the unit, filtered by the same rules), each with whether she is on shift now and
 * how many open items she holds. Typing filters by name; Enter takes the first match.
 */
export function ColleaguePicker({
  tasks,
  type,
  label,
  onPick,
  onCancel,
}: {
  tasks: readonly Task[];
  type: 'reassign' | 'handover.offer';
  label: string;
  onPick(colleague: Colleague): void;
  onCancel?(): void;
}) {
  const { me } = useSession();
  const now = useNow();
  const units = useMemo(() => [...new Set(tasks.map((t) => t.unit))], [tasks]);
  const state = useColleagues(units);
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const listId = useId();
  const nowIso = new Date(now).toISOString();
  const eligible = state.status === 'ready' ? eligibleFor(state.colleagues, tasks, type, me, nowIso) : [];
  const needle = filter.trim().toLowerCase();
  const shown = needle ? eligible.filter((c) => c.name.toLowerCase().includes(needle)) : eligible;

  return (
    <div className="picker">
      <label htmlFor={filterId}>{label}</label>
      <input
        id={filterId}
        className="picker-filter"
        type="search"
        value={filter}
        placeholder="Type a name"
        autoComplete="off"
        autoFocus
        aria-controls={listId}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && shown[0]) {
            e.preventDefault();
            onPick(shown[0]);
          } else if (e.key === 'Escape' && onCancel) {
            e.preventDefault();
            onCancel();
          }
        }}
      />
      {state.status === 'loading' && <p className="muted">Loading colleagues…</p>}
      {state.status === 'failed' && (
        <p className="note" role="alert">
          {state.message}
        </p>
      )}
      {state.status === 'ready' && state.asOf && (
        <p className="note">
          Offline: colleagues as of {clockTime(state.asOf)}. Your choice is sent when the device is back
          online.
        </p>
      )}
      {state.status === 'ready' && shown.length === 0 && (
        <p className="muted">
          {eligible.length === 0
            ? 'Nobody else may take this work: no colleague works on this unit in a role it is routed to.'
            : 'No colleague matches that name.'}
        </p>
      )}
      <ul id={listId} className="picker-list" aria-label="Colleagues who may take it">
        {shown.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              className="picker-option"
              data-colleague-id={c.id}
              onClick={() => onPick(c)}
            >
              <span className="strong">{c.name}</span>
              <span className="muted small">{c.roles.map((r) => ROLE_WORDS[r]).join(', ')}</span>
              <span className={c.onShift ? 'presence on-shift' : 'presence off-shift'}>
                {c.onShift ? 'On shift now' : 'Not on shift'}
              </span>
              <span className="small">
                {c.openCount} open {c.openCount === 1 ? 'item' : 'items'}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {onCancel && (
        <div className="action-row">
          <button type="button" className="btn btn-quiet" onClick={onCancel}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}
