import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { Role } from '../../domain';
import { useSession } from '../../app/session';
import { useDocumentTitle } from '../../app/document-title';
import { DirectoryError, fetchStaff, setUnits, type StaffMember } from '../../data/staff-directory';
import { ROLE_WORDS } from '../shared/words';
import './staff.css';

type Load =
  { status: 'loading' } | { status: 'ready'; staff: StaffMember[] } | { status: 'error'; message: string };

function roleWords(roles: readonly string[]): string {
  return roles.map((r) => ROLE_WORDS[r as Role] ?? r).join(', ') || 'No role yet';
}

/** Whether a person matches the search: name, role or unit, as they are shown. */
export function matchesStaff(member: StaffMember, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [member.name, roleWords(member.roles), ...member.units].some((text) =>
    text.toLowerCase().includes(q),
  );
}

/**
 * `/staff`, an admin's screen: everyone in the directory with their roles and units, a search, and a
 * move to another unit (`PUT /api/staff`), which the person's open screens follow at once (docs/HUB.md
 * H5). Each person links to their access log. Admins see no patient work: this is their home.
 */
export function Component() {
  useDocumentTitle('Staff directory');
  const { tokens } = useSession();
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [query, setQuery] = useState('');
  const searchId = useId();

  const refresh = useCallback(() => {
    fetchStaff(tokens).then(
      (staff) => setLoad({ status: 'ready', staff }),
      (error: unknown) =>
        setLoad({
          status: 'error',
          message: error instanceof DirectoryError ? error.message : 'The staff directory could not be read.',
        }),
    );
  }, [tokens]);
  useEffect(refresh, [refresh]);

  const staff = useMemo(() => (load.status === 'ready' ? load.staff : []), [load]);
  const units = useMemo(() => [...new Set(staff.flatMap((s) => s.units))].sort(), [staff]);
  const shown = useMemo(
    () => staff.filter((s) => !s.roles.includes('Ingest') && matchesStaff(s, query)),
    [staff, query],
  );
  const replace = (next: StaffMember) =>
    setLoad((l) =>
      l.status === 'ready'
        ? { status: 'ready', staff: l.staff.map((s) => (s.objectId === next.objectId ? next : s)) }
        : l,
    );

  return (
    <div className="staff-page">
      <div className="list-header">
        <div className="list-title">
          <h1>Staff directory</h1>
          <p className="count" aria-live="polite">
            {load.status === 'ready' ? `${shown.length} of ${staff.length} people` : ''}
          </p>
        </div>
        <div className="filter">
          <label htmlFor={searchId}>Search</label>
          <input
            id={searchId}
            type="search"
            value={query}
            placeholder="Name, role, unit…"
            autoComplete="off"
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        <p className="summary">
          Who works where. Moving someone changes what their open screens show at once.
        </p>
      </div>
      {load.status === 'loading' && <p role="status">Reading the staff directory…</p>}
      {load.status === 'error' && (
        <div role="alert" className="notice">
          <p>{load.message}</p>
          <button type="button" className="btn" onClick={refresh}>
            Try again
          </button>
        </div>
      )}
      {load.status === 'ready' && (
        <ul className="staff-rows" aria-label="People">
          {shown.map((member) => (
            <StaffRow key={member.objectId} member={member} units={units} onChanged={replace} />
          ))}
          {shown.length === 0 && <li className="empty">Nobody matches this search.</li>}
        </ul>
      )}
    </div>
  );
}

function StaffRow({
  member,
  units,
  onChanged,
}: {
  member: StaffMember;
  units: string[];
  onChanged: (next: StaffMember) => void;
}) {
  const { tokens } = useSession();
  const selectId = useId();
  const [target, setTarget] = useState(member.units[0] ?? units[0] ?? '');
  const [state, setState] = useState<{ busy: boolean; said: string | null }>({ busy: false, said: null });
  const moved = member.units.length === 1 && member.units[0] === target;

  async function move() {
    setState({ busy: true, said: null });
    try {
      const next = await setUnits(tokens, member, [target]);
      onChanged(next);
      setState({ busy: false, said: `${member.name} now works on ${next.units.join(', ')}.` });
    } catch (error) {
      setState({
        busy: false,
        said: error instanceof DirectoryError ? error.message : 'The move could not be saved.',
      });
    }
  }

  return (
    <li className="staff-row" data-staff-id={member.objectId}>
      <div className="staff-who">
        <span className="strong">{member.name}</span>
        <span className="muted small">
          {roleWords(member.roles)} · {member.units.length > 0 ? member.units.join(', ') : 'No units'}
        </span>
      </div>
      {/* A move puts someone on one unit: for ward staff; leads over several units keep theirs. */}
      {member.roles.some((r) => r === 'Nurse' || r === 'ChargeNurse') && units.length > 0 && (
        <div className="staff-move">
          <label htmlFor={selectId} className="sr-only">
            Unit for {member.name}
          </label>
          <select id={selectId} value={target} onChange={(e) => setTarget(e.target.value)}>
            {units.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn"
            disabled={state.busy || moved}
            aria-label={`Move ${member.name} to ${target}`}
            onClick={() => void move()}
          >
            Move
          </button>
        </div>
      )}
      <Link className="btn btn-quiet" to={`/staff/${encodeURIComponent(member.objectId)}/access`}>
        Access log<span className="sr-only"> of {member.name}</span>
      </Link>
      <p className="staff-said" role="status">
        {state.said ?? ''}
      </p>
    </li>
  );
}
