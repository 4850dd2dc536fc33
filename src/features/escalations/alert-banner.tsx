import { useEffect, useMemo, useRef, useState } from 'react';
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

interface Shown {
  alert: Alert;
  /** The alert's tasks that are on this device and still escalating. */
  active: Task[];
}

/**
 * Live escalation alerts for the person they target [E6], above every view: "Level 1 escalation on
 * 4W — K+ 6.1 mmol/L", the countdown to the next level, why it reached her, one tap to acknowledge
 * (through the outbox like any action) and one to open the task: each button says what it does.
 * Two or more alerts stack into one banner (`AlertStack`) so the list keeps the phone. An alert leaves when its tasks stop escalating —
 * acknowledged here or by anyone else, closed, or gone from her worklist — which the device's worklist
 * tells, not a timer.
 */
export function AlertBanners() {
  const alerts = useAlerts((s) => s.alerts);
  const drop = useAlerts((s) => s.drop);
  const sound = useAlerts((s) => s.sound);
  const tasks = useTasks();
  const [expanded, setExpanded] = useState(false);
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
  return (
    <section className="alert-banners" aria-label="Escalation alerts" data-sound={sound}>
      {shown.length === 1 ? (
        <FullBanner shown={shown[0]!} />
      ) : (
        <AlertStack shown={shown} expanded={expanded} onToggle={() => setExpanded((v) => !v)} />
      )}
      {shown.length > 1 && expanded && (
        <div className="alert-all" id={ALL_ID}>
          {shown.map((s) => (
            <FullBanner key={s.alert.id} shown={s} />
          ))}
        </div>
      )}
      {sound === 'blocked' && (
        <p className="alert-sound-note">
          This device did not sound the alert: tap anywhere to let alerts sound.
        </p>
      )}
    </section>
  );
}

const ALL_ID = 'alert-all';

function FullBanner({ shown }: { shown: Shown }) {
  return shown.alert.kind === 'handover' ? (
    <HandoverAlertBanner alert={shown.alert} task={shown.active[0]} />
  ) : shown.alert.kind === 'patient' ? (
    <PatientAlertBanner alert={shown.alert} task={shown.active[0]} />
  ) : (
    <AlertBanner alert={shown.alert} active={shown.active} />
  );
}

/** "4W-10 Na+ 117 mmol/L": where and what, the shortest words that tell two alerts apart. */
function alertLabel({ alert, active }: Shown): string {
  const first = active[0];
  const bed = first?.patient?.bed ?? alert.bed;
  const title = first?.title ?? alert.title;
  return bed ? `${bed} ${title}` : title;
}

/** The newest alert's tasks this person may acknowledge now (none for a handover alert). */
function useAcknowledgeable(shown: Shown | undefined): Task[] {
  const { me } = useSession();
  if (!shown || shown.alert.kind === 'handover') return [];
  return shown.active.filter((t) => may(t, 'acknowledge', undefined, me, new Date().toISOString()));
}

/**
 * Several alerts at once, stacked into one banner so a burst never pushes the list off a phone:
 * "2 escalations — 4W-10 Na+ 117 mmol/L, 4W-01 Glucose 2.3 mmol/L", the newest one's Acknowledge
 * (which acknowledges, as it says), and "Show all" for every alert with its countdown and why.
 */
function AlertStack({
  shown,
  expanded,
  onToggle,
}: {
  shown: Shown[];
  expanded: boolean;
  onToggle: () => void;
}) {
  const execute = useExecute();
  const newest = shown.find((s) => s.alert.kind !== 'handover');
  const acknowledgeable = useAcknowledgeable(newest);
  const allEscalations = shown.every((s) => s.alert.kind !== 'handover' && s.alert.kind !== 'patient');
  const noun = allEscalations ? 'escalations' : 'alerts';
  const newestTask = newest?.active[0];
  return (
    <article className="alert-banner alert-stack" aria-labelledby="alert-stack-headline">
      <p className="alert-headline" id="alert-stack-headline" role="alert">
        <span aria-hidden="true" className="alert-icon">
          ⬆
        </span>
        <span>
          {shown.length} {noun} — {shown.map(alertLabel).join(', ')}
        </span>
      </p>
      {newestTask && (
        <p className="alert-facts">
          <NextLevelCountdown task={newestTask} />
        </p>
      )}
      <div className="alert-actions">
        {newest && acknowledgeable.length > 0 && (
          <button
            type="button"
            className="btn btn-primary alert-ack"
            aria-label={`Acknowledge ${newestTask?.title ?? newest.alert.title}`}
            onClick={() => {
              for (const task of acknowledgeable) void execute(task.id, 'acknowledge');
            }}
          >
            Acknowledge {newestTask?.patient?.bed ?? newest.alert.bed ?? 'newest'}
          </button>
        )}
        <button
          type="button"
          className="btn alert-show-all"
          aria-expanded={expanded}
          aria-controls={ALL_ID}
          onClick={onToggle}
        >
          {expanded ? 'Show fewer' : `Show all ${shown.length}`}
        </button>
      </div>
    </article>
  );
}

function AlertBanner({ alert, active }: Shown) {
  const { me } = useSession();
  const execute = useExecute();
  const first = active[0];
  const title = first?.title ?? alert.title;
  const taskId = first?.id ?? alert.taskIds[0] ?? '';
  const others = (active.length || alert.taskIds.length) - 1;
  const acknowledgeable = useAcknowledgeable({ alert, active });
  const why = first ? whyWords(first, me) : null;
  const headingId = `alert-${alert.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <article className="alert-banner" aria-labelledby={headingId}>
      <p className="alert-headline" id={headingId} role="alert">
        <span aria-hidden="true" className="alert-icon">
          ⬆
        </span>
        <span>
          {levelWords(alert)} escalation on {alert.unit} — {title}
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
      <div className="alert-actions">
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
        <Link
          to={`/tasks/${encodeURIComponent(taskId)}`}
          className="btn alert-open"
          aria-label={`Open ${title}`}
        >
          Open task
        </Link>
      </div>
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
