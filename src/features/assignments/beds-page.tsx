import './beds.css';
import { useId, useMemo, useState } from 'react';
import { useDocumentTitle } from '../../app/document-title';
import { useSession } from '../../app/session';
import { enqueueBeds } from '../../data/assignments';
import { hasRole, type AssignBedsCommand, type UnitAssignments } from '../../domain';
import { useBoards, withPending } from '../../state/board-store';
import { useColleagues } from '../handover/use-colleagues';
import { clockTime } from '../shared/format';
import { bedsBetween, rangeWords } from './bed-range';
import { UnitSwitch } from '../shared/unit-switch';

/**
 * The Beds screen (docs/ASSIGNMENTS.md [A-P1]): the unit's current shift and every bed with its nurse or
 * "No nurse". The charge nurse assigns one bed or a range to a colleague; a nurse takes unassigned beds
 * herself and gives back her own. It reads the device's stored board (so it shows offline) with the
 * bed actions not yet sent laid over it; every action goes through the bed outbox [A-P3].
 */
export function Component() {
  const { me } = useSession();
  useDocumentTitle('Beds');
  const [unit, setUnit] = useState(me.units[0] ?? '');
  const headingId = useId();
  return (
    <section className="beds-page" aria-labelledby={headingId}>
      <div className="list-header">
        <h1 id={headingId} className="list-title">
          Beds
        </h1>
        <UnitSwitch units={me.units} unit={unit} onChange={setUnit} />
      </div>
      {unit ? <UnitBeds key={unit} unit={unit} /> : <p className="empty">You are on no unit.</p>}
    </section>
  );
}

function UnitBeds({ unit }: { unit: string }) {
  const { me, db, outbox } = useSession();
  const stored = useBoards((s) => s.boards.find((b) => b.unit === unit));
  const pending = useBoards((s) => s.pending);
  const leads = hasRole(me, 'ChargeNurse');
  const colleagues = useColleagues(useMemo(() => (leads ? [unit] : []), [leads, unit]));
  const nurses = useMemo(() => {
    const list = colleagues.status === 'ready' ? colleagues.colleagues : [];
    return list
      .filter((c) => c.units.includes(unit) && c.roles.some((r) => r === 'Nurse' || r === 'ChargeNurse'))
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [colleagues, unit]);
  const names = useMemo(
    () => new Map([[me.id, me.name], ...nurses.map((n) => [n.id, n.name] as const)]),
    [me, nurses],
  );
  const board = useMemo(() => stored && withPending(stored, pending, names), [stored, pending, names]);
  const [saveFailure, setSaveFailure] = useState<string | null>(null);

  if (!board) {
    return (
      <p className="empty">
        {navigator.onLine
          ? `Loading the beds of ${unit}…`
          : `The beds of ${unit} have not reached this device yet: they show once it is online.`}
      </p>
    );
  }

  const send = (beds: string[], nurseId: string | null) => {
    const command: AssignBedsCommand = {
      commandId: crypto.randomUUID(),
      unit,
      beds,
      nurseId,
      shiftId: board.shift.id,
      madeAt: new Date().toISOString(),
    };
    // Saved first (what the screen shows), then sent when the relay can be reached [A-P3].
    return enqueueBeds(db, command).then(
      () => void outbox.flush(),
      () =>
        setSaveFailure('Not saved on this device. Do it again; if it keeps failing, sign out and in again.'),
    );
  };
  const unassigned = board.beds.filter((b) => !b.nurse).map((b) => b.bed);
  const ended = board.endedUnassigned.filter((bed) => unassigned.includes(bed));

  return (
    <>
      <p className="beds-shift">
        <strong>{board.shift.label}</strong> on {unit} · until {clockTime(board.shift.endsAt)} ·{' '}
        {unassigned.length === 0
          ? 'every bed has a nurse'
          : `${unassigned.length} ${unassigned.length === 1 ? 'bed' : 'beds'} without a nurse`}
      </p>
      {saveFailure && (
        <p className="notice" role="alert">
          {saveFailure}
        </p>
      )}
      {ended.length > 0 && (
        <p className="beds-ended" role="status">
          Assignment ended at shift change: {ended.join(', ')}
        </p>
      )}
      {leads && (
        <AssignForm
          board={board}
          nurses={nurses.map((n) => ({ id: n.id, name: n.name }))}
          loading={colleagues.status === 'loading'}
          failure={colleagues.status === 'failed' ? colleagues.message : null}
          onAssign={send}
        />
      )}
      <ul className="bed-list" aria-label={`Beds on ${unit}`}>
        {board.beds.map((b) => {
          const mine = b.nurse?.id === me.id;
          const waiting = board.pendingBeds.has(b.bed);
          return (
            <li key={b.bed} className={b.nurse ? 'bed-row' : 'bed-row is-open'} data-bed={b.bed}>
              <span className="bed-name">{b.bed}</span>
              <span className="bed-nurse">
                {b.nurse ? (mine ? `${b.nurse.name} (you)` : b.nurse.name) : 'No nurse'}
                {waiting && <span className="sending-tag"> · not sent yet</span>}
              </span>
              {!b.nurse && (
                <button
                  type="button"
                  className="btn"
                  aria-label={`Take ${b.bed}`}
                  onClick={() => void send([b.bed], me.id)}
                >
                  Take
                </button>
              )}
              {mine && (
                <button
                  type="button"
                  className="btn btn-quiet"
                  aria-label={`Give back ${b.bed}`}
                  onClick={() => void send([b.bed], null)}
                >
                  Give back
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** "4W-01 to 4W-06 → R. Okafor": a range of beds and a colleague of the unit, or "No nurse". */
function AssignForm({
  board,
  nurses,
  loading,
  failure,
  onAssign,
}: {
  board: UnitAssignments;
  nurses: { id: string; name: string }[];
  loading: boolean;
  failure: string | null;
  onAssign: (beds: string[], nurseId: string | null) => Promise<void>;
}) {
  const beds = board.beds.map((b) => b.bed);
  const [from, setFrom] = useState(beds[0] ?? '');
  const [to, setTo] = useState(beds[0] ?? '');
  const [nurseId, setNurseId] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const id = useId();
  const chosen = bedsBetween(beds, from, to);
  const nurse = nurseId === 'none' ? null : nurses.find((n) => n.id === nurseId);
  const ready = chosen.length > 0 && (nurseId === 'none' || nurse !== undefined);
  return (
    <form
      className="assign-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!ready) return;
        const words = `${rangeWords(chosen)} → ${nurse ? nurse.name : 'No nurse'}`;
        void onAssign(chosen, nurse ? nurse.id : null).then(() => setDone(words));
      }}
    >
      <h2 id={`${id}-title`} className="assign-title">
        Assign beds
      </h2>
      <label htmlFor={`${id}-from`}>From bed</label>
      <select id={`${id}-from`} value={from} onChange={(e) => setFrom(e.target.value)}>
        {beds.map((b) => (
          <option key={b}>{b}</option>
        ))}
      </select>
      <label htmlFor={`${id}-to`}>To bed</label>
      <select id={`${id}-to`} value={to} onChange={(e) => setTo(e.target.value)}>
        {beds.map((b) => (
          <option key={b}>{b}</option>
        ))}
      </select>
      <label htmlFor={`${id}-nurse`}>Nurse</label>
      <select id={`${id}-nurse`} value={nurseId} onChange={(e) => setNurseId(e.target.value)}>
        <option value="" disabled>
          {loading ? 'Loading colleagues…' : 'Choose a nurse'}
        </option>
        {nurses.map((n) => (
          <option key={n.id} value={n.id}>
            {n.name}
          </option>
        ))}
        <option value="none">No nurse (unassign)</option>
      </select>
      <button type="submit" className="btn btn-primary" disabled={!ready}>
        {chosen.length > 1 ? `Assign ${chosen.length} beds` : 'Assign bed'}
      </button>
      {failure && <p className="notice">{failure}</p>}
      {done && (
        <p className="assign-done" role="status">
          Assigned: {done}
        </p>
      )}
    </form>
  );
}
