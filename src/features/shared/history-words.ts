import { ROLES, SYSTEM, type ExceptionOutcome, type Role, type Task } from '../../domain';
import { OUTCOME_WORDS, ROLE_WORDS } from './words';

/**
 * Who a history line credits. People are named as the relay recorded them. Changes the relay made
 * itself are never credited to "Wardline" as if it were a person: an upstream change names the system
 * that sent it (the event's CloudEvents `source`, which the relay keeps as the change's detail), and
 * the relay's own timers say they were automatic.
 */

/** Changes that come from an upstream event (src/domain/apply-event.ts), whose detail is the source. */
const UPSTREAM_CHANGES = new Set([
  'routed',
  'rerouted',
  'exception-raised',
  'exception-updated',
  'progress',
  'cancelled',
  'cancel-after-close',
]);

/**
 * A readable name for an event `source` (a URI such as "urn:hospital:lis" or "/systems/lab-results").
 * Matched on the URI's words, so "urn:wardline:demo:lab" and "https://lis.example/feed" are both the lab.
 * Anything unrecognised is "Upstream system": the raw URI means nothing at a bedside. The table is
 * written down in docs/TASK-LISTS.md (L4).
 */
const SOURCE_NAMES: ReadonlyArray<readonly [readonly string[], string]> = [
  [['lab', 'lis', 'laboratory', 'pathology'], 'Lab system'],
  [['pharmacy', 'rx'], 'Pharmacy system'],
  [['radiology', 'ris', 'pacs'], 'Radiology system'],
  [['ehr', 'epr', 'emr', 'adt', 'pas'], 'Patient record (EHR)'],
  [['booking', 'transport', 'bed', 'bedboard'], 'Booking system'],
  [['referral', 'referrals'], 'Referral system'],
  [['interface-engine', 'middleware', 'integration', 'worklist-router', 'router'], 'Interface engine'],
];

export function sourceName(source: string | null | undefined): string {
  if (!source) return 'Upstream system';
  const lower = source.toLowerCase();
  const words = new Set(lower.split(/[^a-z0-9-]+/).flatMap((w) => [w, ...w.split('-')]));
  for (const [keys, name] of SOURCE_NAMES) {
    if (keys.some((key) => words.has(key))) return name;
  }
  return 'Upstream system';
}

export function historyActor(entry: {
  change: string;
  actor: { id: string; name: string };
  detail: string | null;
}): string {
  if (entry.actor.id !== SYSTEM.id) return entry.actor.name;
  if (UPSTREAM_CHANGES.has(entry.change)) return sourceName(entry.detail);
  return 'Wardline (automatic)';
}

/** The relay's escalation timer records "level 2 (repeat 1): ChargeNurse (unit)" (server scheduler). */
const TIMER_DETAIL = /^level (\d+)(?: \(repeat (\d+)\))?: (\w+) \((unit|hospital)\)$/;

/**
 * "Escalated to the charge nurse of 4W (level 1)", "… (level 2, repeat 1)" for the timer's firings; a
 * person's escalation shows the reason they gave.
 */
export function escalatedWords(detail: string | null, unit: string | null): string {
  const timer = detail ? TIMER_DETAIL.exec(detail) : null;
  const role = timer?.[3] as Role | undefined;
  if (timer && role && (ROLES as readonly string[]).includes(role)) {
    const who = ROLE_WORDS[role].toLowerCase();
    const target = timer[4] === 'unit' && unit ? `the ${who} of ${unit}` : `the ${who}`;
    const repeat = timer[2] ? `, repeat ${timer[2]}` : '';
    return `Escalated to ${target} (level ${timer[1]}${repeat})`;
  }
  return detail ? `Escalated: ${detail}` : 'Escalated';
}

/** The audit trail's change names in words; an unknown one (a newer relay) is shown as it is. */
export function changeWords(change: string, detail: string | null, task: Task | null): string {
  const item = detail ? task?.checklist.find((i) => i.id === detail)?.label : undefined;
  switch (change) {
    case 'routed':
      return 'Arrived from upstream';
    case 'rerouted':
      return 'Updated from upstream';
    case 'exception-raised':
      return 'Raised for review';
    case 'exception-updated':
      return 'Exception updated upstream';
    case 'progress':
      return 'Progress reported upstream';
    case 'cancelled':
      return 'Withdrawn upstream';
    case 'cancel-after-close':
      return 'Withdrawn upstream after it closed';
    case 'claimed':
      return 'Claimed';
    case 'released':
      return 'Released to the unit queue';
    case 'acknowledged':
      return detail === 'took ownership' ? 'Acknowledged, and took it on' : 'Acknowledged';
    case 'started':
      return 'Started';
    case 'resumed':
      return 'Resumed';
    // An upstream change's detail is its source, named in the "who" column (`historyActor`).
    case 'item-done':
      return `Ticked ${item ?? detail ?? 'an item'}`;
    case 'item-undone':
      return `Unticked ${item ?? detail ?? 'an item'}`;
    case 'held':
      return detail ? `Put on hold: ${detail}` : 'Put on hold';
    case 'resolved':
      return detail && detail in OUTCOME_WORDS
        ? `Resolved: ${OUTCOME_WORDS[detail as ExceptionOutcome].toLowerCase()}`
        : 'Resolved';
    case 'resolved-with-override':
      return detail ? `Resolved with override: ${detail}` : 'Resolved with override';
    case 'escalated':
      return escalatedWords(detail, task?.unit ?? null);
    case 'reassigned':
      return 'Reassigned';
    case 'commented':
      return 'Commented';
    default:
      return change.replace(/-/g, ' ');
  }
}
