import { useEffect, useMemo, useRef } from 'react';
import { Link } from 'react-router';
import type { Alert, Task } from '../../domain';
import { useExecute, useSession, useTasks } from '../../app/session';
import { useAlerts } from '../../state/alert-store';
import { may } from '../task/available-actions';
import { countdown, levelWords, stillEscalating, whyWords } from './wording';
import { NextLevelCountdown } from './countdown';
import { HandoverAlertBanner, stillWaiting } from '../handover/handover-alert';
import { PatientAlertBanner, stillNew } from '../assignments/patient-alert';
import './alerts.css';

/** Alerts shown at once; the rest are counted, so a burst never pushes the worklist off a phone. */
const SHOWN = 2;

interface Shown {
  alert: Alert;
  /** The alert's tasks that are on this device and still escalating. */
  active: Task[];
}

/**
 * Live escalation alerts for the person they target [E6], above every view: "Level 1 escalation on
 * 4W — Acknowledge K+ 6.1 mmol/L", the countdown to the next level, why it reached her, and one tap to
 * acknowledge (through the outbox like any action). An alert leaves when its tasks stop escalating —
 * acknowledged here or by anyone else, closed, or gone from her worklist — which the device's worklist
 * tells, not a timer.
 */
export function AlertBanners() {
  const alerts = useAlerts((s) => s.alerts);
  const drop = useAlerts((s) => s.drop);
  const sound = useAlerts((s) => s.sound);
  const tasks = useTasks();
  const byId = useMemo(() => new Map((tasks ?? []).map((t) => [t.id, t])), [tasks]);

  // Alerts whose tasks this device has shown: once one of them has been here, its absence means it
  // left the worklist (finished, moved unit); before that it simply has not arrived yet. The alert is
  // sent right after the task's own change, but the device's worklist read can come after the alert.
  const seenWithTask = useRef(new Set<string>());
  const { shown, settled } = useMemo(() => {
    const shown: Shown[] = [];
    const settled: string[] = [];
    for (const alert of alerts) {
      const present = alert.taskIds.map((id) => byId.get(id)).filter((t): t is Task => t !== undefined);
      // A handover alert (docs/HANDOFFS.md HO7) stays while its offer waits; an escalation while it escalates.
      const active = present.filter((t) =>
        alert.kind === 'handover'
          ? stillWaiting(t, alert)
          : alert.kind === 'patient'
            ? stillNew(t)
            : stillEscalating(t),
      );
      if (present.length > 0) seenWithTask.current.add(alert.id);
      if (active.length > 0) shown.push({ alert, active });
      // Not on the device yet: shown from the alert's own words until its tasks arrive.
      else if (present.length === 0 && !seenWithTask.current.has(alert.id)) shown.push({ alert, active });
      else settled.push(alert.id);
    }
    return { shown, settled };
  }, [alerts, byId]);

  useEffect(() => {
    drop(settled);
    for (const id of settled) seenWithTask.current.delete(id);
  }, [drop, settled]);

  if (shown.length === 0) return null;
  const more = shown.length - SHOWN;
  return (
    <section className="alert-banners" aria-label="Escalation alerts" data-sound={sound}>
      {shown
        .slice(0, SHOWN)
        .map((s) =>
          s.alert.kind === 'handover' ? (
            <HandoverAlertBanner key={s.alert.id} alert={s.alert} task={s.active[0]} />
          ) : s.alert.kind === 'patient' ? (
            <PatientAlertBanner key={s.alert.id} alert={s.alert} task={s.active[0]} />
          ) : (
            <AlertBanner key={s.alert.id} alert={s.alert} active={s.active} />
          ),
        )}
      {more > 0 && (
        <p className="alert-more">
          {more} more {more === 1 ? 'escalation' : 'escalations'} —{' '}
          <Link to="/escalations">see Escalations</Link>
        </p>
      )}
      {sound === 'blocked' && (
        <p className="alert-sound-note">
          This device did not sound the alert: tap anywhere to let alerts sound.
        </p>
      )}
    </section>
  );
}

function AlertBanner({ alert, active }: Shown) {
  const { me } = useSession();
  const execute = useExecute();
  const first = active[0];
  const title = first?.title ?? alert.title;
  const taskId = first?.id ?? alert.taskIds[0] ?? '';
  const others = (active.length || alert.taskIds.length) - 1;
  const acknowledgeable = active.filter((t) =>
    may(t, 'acknowledge', undefined, me, new Date().toISOString()),
  );
  const why = first ? whyWords(first, me) : null;
  const headingId = `alert-${alert.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <article className="alert-banner" aria-labelledby={headingId}>
      <p className="alert-headline" id={headingId} role="alert">
        <span aria-hidden="true" className="alert-icon">
          ⬆
        </span>
        <span>
          {levelWords(alert)} escalation on {alert.unit} —{' '}
          <Link to={`/tasks/${encodeURIComponent(taskId)}`} className="alert-link">
            Acknowledge {title}
          </Link>
          {others > 0 && ` and ${others} more`}
        </span>
      </p>
      <p className="alert-facts">
        {alert.bed && <span>Bed {alert.bed}</span>}
        {first ? <NextLevelCountdown task={first} /> : alert.nextAt && <AlertNextAt alert={alert} />}
      </p>
      {why && (
        <p className="alert-why">
          {why.label}: {why.text}
        </p>
      )}
      {acknowledgeable.length > 0 && (
        <button
          type="button"
          className="btn btn-primary alert-ack"
          aria-label={`Acknowledge ${title}${others > 0 ? ` and ${others} more` : ''}`}
          onClick={() => {
            for (const task of acknowledgeable) void execute(task.id, 'acknowledge');
          }}
        >
          {acknowledgeable.length > 1 ? `Acknowledge all ${acknowledgeable.length}` : 'Acknowledge'}
        </button>
      )}
    </article>
  );
}

/** Before the alert's tasks reach the device: the next level from the alert itself. */
function AlertNextAt({ alert }: { alert: Alert }) {
  if (!alert.nextAt) return null;
  return (
    <time className="countdown" dateTime={alert.nextAt}>
      Next level in {countdown(Date.parse(alert.nextAt) - Date.now())}
    </time>
  );
}
