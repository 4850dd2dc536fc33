import { isClosed, type Task } from '../../domain';
import { useSecondClock } from '../../app/clock';
import { useSession } from '../../app/session';
import {
  levelWords,
  nextLevelWords,
  stillEscalating,
  stoppedWords,
  whatNextWords,
  whyWords,
} from './wording';

/** "Level 2 in 4:32", ticking each second; nothing once nothing more will fire [E5]. */
export function NextLevelCountdown({ task }: { task: Task }) {
  const at = useSecondClock();
  const words = nextLevelWords(task, at);
  if (!words || !task.escalation.nextAt) return null;
  return (
    <time className="countdown" dateTime={task.escalation.nextAt}>
      {words}
    </time>
  );
}

/**
 * The escalation on a list row or card: its level, then the countdown while it runs, or that it
 * stopped and why. Nothing for a task that never escalated or is closed.
 */
export function EscalationTag({ task }: { task: Task }) {
  if (task.escalation.level === 0 || isClosed(task)) return null;
  const running = stillEscalating(task);
  return (
    <span className={running ? 'escalation-tag is-running' : 'escalation-tag is-stopped'}>
      <span aria-hidden="true">⬆ </span>
      {levelWords(task.escalation)}
      {running ? (
        <>
          {' · '}
          <NextLevelCountdown task={task} />
        </>
      ) : (
        <> · stopped, {stoppedWords(task)}</>
      )}
    </span>
  );
}

/** "Why you, and what happens next" [E3], as two short lines on a card or the task. */
export function WhyAndNext({ task }: { task: Task }) {
  const { me } = useSession();
  const why = whyWords(task, me);
  if (task.escalation.level === 0) return null;
  return (
    <span className="why-next">
      {why && (
        <span>
          <span className="why-label">{why.label}:</span> {why.text}
        </span>
      )}
      <span>
        <span className="why-label">Next:</span> {whatNextWords(task)}
      </span>
    </span>
  );
}
