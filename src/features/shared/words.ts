import type {
  ExceptionOutcome,
  ExceptionReason,
  Priority,
  Role,
  Task,
  TaskKind,
  TaskStatus,
} from '../../domain';

export const PRIORITY_WORDS: Record<Priority, string> = {
  stat: 'STAT',
  asap: 'ASAP',
  urgent: 'Urgent',
  routine: 'Routine',
};

export const STATUS_WORDS: Record<TaskStatus, string> = {
  requested: 'Unclaimed',
  accepted: 'Claimed',
  'in-progress': 'In progress',
  'on-hold': 'On hold',
  completed: 'Completed',
  cancelled: 'Withdrawn',
  failed: 'Failed',
};

export const KIND_WORDS: Record<TaskKind, string> = {
  discharge: 'Discharge',
  'result-ack': 'Result to acknowledge',
  'follow-up': 'Follow-up',
  exception: 'Exception',
};

export const REASON_WORDS: Record<ExceptionReason, string> = {
  'eligibility-failed': 'Eligibility check failed',
  'unmatched-identifier': 'Patient identifier not matched',
  'validation-failed': 'Message failed validation',
  'duplicate-record': 'Possible duplicate record',
};

export const OUTCOME_WORDS: Record<ExceptionOutcome, string> = {
  fixed: 'Fixed',
  dismissed: 'Dismissed',
  'sent-upstream': 'Send back upstream',
};

export const ROLE_WORDS: Record<Role, string> = {
  Nurse: 'Nurse',
  ChargeNurse: 'Charge nurse',
  Coordinator: 'Care coordinator',
  Supervisor: 'House supervisor',
  Admin: 'Administrator',
  Ingest: 'Integration account',
  AssignedNurse: 'Assigned nurse',
};

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
      return 'Acknowledged';
    case 'started':
      return 'Started';
    case 'resumed':
      return 'Resumed';
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
      return detail ? `Escalated: ${detail}` : 'Escalated';
    case 'reassigned':
      return 'Reassigned';
    case 'commented':
      return 'Commented';
    default:
      return change.replace(/-/g, ' ');
  }
}
