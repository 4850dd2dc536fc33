import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Link } from 'react-router';
import { isClosed, type Task } from '../../domain';
import { useNow } from '../../app/clock';
import { useDeviceClass, type DeviceClass } from '../../app/device';
import { useDocumentTitle } from '../../app/document-title';
import { useExecute, usePendingTaskIds, useSession, useTask } from '../../app/session';
import { isOverdue, OverdueTag, PriorityBadge, SendingTag, StatusBadge } from '../shared/badges';
import { clockTime, dayAndTime, relative } from '../shared/format';
import { KIND_WORDS, REASON_WORDS } from '../shared/words';
import { NextLevelCountdown, WhyAndNext } from '../escalations/countdown';
import { levelWords, stillEscalating, targetWords } from '../escalations/wording';
import { AuditTrail } from './audit-trail';
import { offersFor } from './available-actions';
import { Checklist } from './checklist';
import { Comments, MoreActions, PrimaryActions } from './task-actions';
import { ExceptionOutcomes } from '../exceptions/exception-outcomes';
import { useRecordTaskOpen } from './record-open';
import { HandOnActions } from '../handover/hand-on-actions';
import { HandoverTag } from '../worklist/columns';
import { YourPatientTag } from '../assignments/your-patient';
import { HandoverPanel } from '../handover/handover-panel';
import { acknowledgedWords, beingHandedWords } from '../handover/handover-words';

/**
 * One task: who it is for, what is left to do, what the caller may do about it, and who did what.
 * `back` is where the list is (phones show the task instead of the list); `standalone` makes the
 * title the page's main heading.
 */
export function TaskDetail({
  taskId,
  back,
  standalone = false,
}: {
  taskId: string;
  back?: { to: string; label: string };
  standalone?: boolean;
}) {
  const task = useTask(taskId);
  const device = useDeviceClass();
  useDocumentTitle('Task');

  const backLink = back && (
    <Link to={back.to} className="back-link">
      <span aria-hidden="true">← </span>
      {device === 'phone' ? `Back to ${back.label}` : 'Close'}
    </Link>
  );
  if (task === undefined) return <p className="muted">Loading…</p>;
  if (task === null) {
    return (
      <div className="task-detail">
        {backLink}
        <p className="empty">
          This task is not on your worklist: it may have been finished, moved to another unit, or is not yours
          to see.
        </p>
      </div>
    );
  }
  return <TaskBody task={task} backLink={backLink} standalone={standalone} device={device} />;
}

function TaskBody({
  task,
  backLink,
  standalone,
  device,
}: {
  task: Task;
  backLink: ReactNode;
  standalone: boolean;
  device: DeviceClass;
}) {
  const { me } = useSession();
  useRecordTaskOpen(task.id);
  const now = useNow();
  const execute = useExecute();
  const sending = usePendingTaskIds().has(task.id);
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const offers = offersFor(task, me, new Date(now).toISOString());
  const Heading = standalone ? 'h1' : 'h2';
  const open = !isClosed(task);

  // On a phone the task replaces the list: move focus to its title so a screen reader starts there.
  useEffect(() => {
    if (device === 'phone') headingRef.current?.focus();
  }, [task.id, device]);

  return (
    <article className="task-detail" aria-labelledby={titleId}>
      {backLink}
      <header className="task-header">
        <p className="eyebrow">
          {KIND_WORDS[task.kind]} · {task.unit}
        </p>
        <Heading id={titleId} ref={headingRef} tabIndex={-1}>
          {task.title}
        </Heading>
        <p className="badges">
          <PriorityBadge priority={task.priority} />
          <StatusBadge task={task} />
          {isOverdue(task, now) && <OverdueTag />}
          {sending && <SendingTag />}
          {task.acknowledgedAt && <AcknowledgedTag task={task} />}
          <HandoverTag task={task} me={me} />
          <YourPatientTag task={task} />
        </p>
      </header>

      <section className="patient-card" aria-label="Patient">
        {task.patient ? (
          <>
            <p className="patient-name big">{task.patient.name}</p>
            <dl className="inline-facts">
              <div>
                <dt>Bed</dt>
                <dd>{task.patient.bed ?? '—'}</dd>
              </div>
              <div>
                <dt>Unit</dt>
                <dd>{task.unit}</dd>
              </div>
              <div>
                <dt>MRN</dt>
                <dd className="mono">{task.patient.mrn ?? '—'}</dd>
              </div>
            </dl>
          </>
        ) : (
          <p>No patient is identified on this task · {task.unit}</p>
        )}
      </section>

      {task.exception && (
        <section className="panel" aria-labelledby={`${titleId}-exception`}>
          <h3 id={`${titleId}-exception`}>{REASON_WORDS[task.exception.reasonCode]}</h3>
          {task.detail && <p>{task.detail}</p>}
          {task.exception.sourceRef && (
            <p className="muted">
              From {task.exception.sourceRef.system}, message{' '}
              <span className="mono">{task.exception.sourceRef.messageId}</span>
            </p>
          )}
        </section>
      )}

      {open && <PrimaryActions task={task} offers={offers} execute={execute} />}
      {open && <HandoverPanel task={task} offers={offers} execute={execute} />}
      {open && device !== 'phone' && <HandOnActions task={task} offers={offers} execute={execute} />}
      {task.kind === 'exception' && (
        <ExceptionOutcomes task={task} outcomes={offers.outcomes} execute={execute} />
      )}

      {task.checklist.length > 0 && (
        <Checklist
          task={task}
          editable={offers.checklist}
          blockedBy={open ? offers.checklistBlockedBy : null}
          execute={execute}
        />
      )}
      {/* Unclaimed work: the checklist already says to claim it first; one instruction, not two. */}
      {open && offers.resolveBlockedBy && !offers.claim && <p className="note">{offers.resolveBlockedBy}</p>}
      {open && (
        <MoreActions task={task} offers={offers} execute={execute}>
          {device === 'phone' && (offers.reassign || offers.handOver) && (
            <HandOnActions task={task} offers={offers} execute={execute} />
          )}
        </MoreActions>
      )}

      <Facts task={task} now={now} />
      {task.detail && !task.exception && <p className="detail-text">{task.detail}</p>}
      <Comments task={task} canComment={offers.comment} execute={execute} />
      <AuditTrail task={task} now={now} />
    </article>
  );
}

/** "Acknowledged by H. Marchbank at 19:31": the result has been seen, and by whom (never "Overdue"). */
export function AcknowledgedTag({ task }: { task: Task }) {
  return (
    <span className="badge acked">
      <span aria-hidden="true" className="badge-icon">
        ✓
      </span>
      {acknowledgedWords(task)}
    </span>
  );
}

function Facts({ task, now }: { task: Task; now: number }) {
  const rows: Array<[string, ReactNode]> = [];
  rows.push(['Owner', task.owner ? `${task.owner.name}, since ${clockTime(task.claimedAt)}` : 'Unclaimed']);
  if (task.handover) rows.push(['Handover', `${beingHandedWords(task)}, not accepted yet`]);
  if (task.dueAt) rows.push(['Due', `${dayAndTime(task.dueAt, now)} (${relative(task.dueAt, now)})`]);
  // An acknowledge-by time is met by acknowledging: no "(6 min ago)" that reads as overdue after it.
  if (task.ackBy && !task.acknowledgedAt)
    rows.push(['Acknowledge by', `${dayAndTime(task.ackBy, now)} (${relative(task.ackBy, now)})`]);
  if (task.expectedDischargeAt) rows.push(['Expected discharge', dayAndTime(task.expectedDischargeAt, now)]);
  // The header says it in full ("Acknowledged by … at …"); the fact names who and when.
  if (task.acknowledgedAt)
    rows.push([
      'Acknowledged',
      `${task.acknowledgedBy?.name ?? 'Someone'} at ${clockTime(task.acknowledgedAt)}`,
    ]);
  const { level, nextAt } = task.escalation;
  if (level > 0) {
    // [E3, E5] The level and its repeats, the live countdown, why it reached whom and what comes next.
    rows.push([
      'Escalation',
      <span className="escalation-fact" key="escalation">
        <span>
          {levelWords(task.escalation)}
          {stillEscalating(task) && nextAt ? (
            <>
              {' · '}
              <NextLevelCountdown task={task} />
            </>
          ) : (
            ' · stopped'
          )}
        </span>
        <WhyAndNext task={task} />
      </span>,
    ]);
  } else if (nextAt && !isClosed(task)) {
    const next = task.escalation.next;
    rows.push([
      'Escalation',
      <span key="escalation">
        Not escalated yet: <NextLevelCountdown task={task} />
        {next ? `, to ${targetWords(next, task.unit)}` : ''}
      </span>,
    ]);
  }
  if (task.hold)
    rows.push(['On hold', `${task.hold.reason} (${task.hold.by.name}, ${clockTime(task.hold.at)})`]);
  if (task.resolution) {
    const r = task.resolution;
    const how = r.overrideReason ? ` with override: ${r.overrideReason}` : r.note ? `: ${r.note}` : '';
    rows.push(['Resolved', `${r.by.name} at ${clockTime(r.at)}${how}`]);
  }
  rows.push(['Arrived', dayAndTime(task.createdAt, now)]);
  return (
    <dl className="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
