import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useSession } from '../../app/session';
import { useDocumentTitle } from '../../app/document-title';
import { DirectoryError, fetchAccessLog, type AccessLine } from '../../data/staff-directory';
import { dayAndTime } from '../shared/format';
import './staff.css';

type Load =
  { status: 'loading' } | { status: 'ready'; lines: AccessLine[] } | { status: 'error'; message: string };

/**
 * `/staff/:staffId/access`: which tasks one person opened, when, where from (docs/SECURITY.md A2–A5),
 * as the relay's `GET /api/audit/access?staff=` answers it. The URL carries a staff id only.
 */
export function Component() {
  useDocumentTitle('Access log');
  const { tokens } = useSession();
  const { staffId = '' } = useParams();
  const [load, setLoad] = useState<Load>({ status: 'loading' });

  useEffect(() => {
    let cancelled = false;
    fetchAccessLog(tokens, staffId).then(
      (lines) => !cancelled && setLoad({ status: 'ready', lines }),
      (error: unknown) =>
        !cancelled &&
        setLoad({
          status: 'error',
          message: error instanceof DirectoryError ? error.message : 'The access log could not be read.',
        }),
    );
    return () => {
      cancelled = true;
    };
  }, [tokens, staffId]);

  const now = Date.now();
  return (
    <div className="staff-page">
      <p>
        <Link to="/staff" className="btn btn-quiet">
          Back to the staff directory
        </Link>
      </p>
      <h1>Access log: {staffId}</h1>
      {load.status === 'loading' && <p role="status">Reading the access log…</p>}
      {load.status === 'error' && <p role="alert">{load.message}</p>}
      {load.status === 'ready' &&
        (load.lines.length === 0 ? (
          <p className="empty">No task opened by this person.</p>
        ) : (
          <div className="table-scroll">
            <table className="access-table">
              <caption className="sr-only">Tasks opened, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Task</th>
                  <th scope="col">Patient</th>
                  <th scope="col">Unit</th>
                  <th scope="col">How</th>
                </tr>
              </thead>
              <tbody>
                {load.lines.map((line) => (
                  <tr key={line.id}>
                    <td>{dayAndTime(line.at, now)}</td>
                    <td>{line.taskId}</td>
                    <td>{line.patientRef ?? '—'}</td>
                    <td>{line.unit ?? '—'}</td>
                    <td>{line.mode === 'replayed' ? 'Opened offline' : 'Opened'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}
