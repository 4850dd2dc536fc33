import type { ExceptionOutcome, ExceptionReason, Priority, Role, TaskKind, TaskStatus } from '../../domain';

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
