import type { ExceptionReason, Priority } from '../../../src/domain/task';
import type { Specialty } from './hospital';
import type { Random } from './random';

/**
 * What happens on the demo wards: the words on the tasks. Kept apart from the simulator's bookkeeping
 * so a clinician can review the content without reading the state machine. No text here names a
 * patient, and none carries a clock time (times live in the timestamp fields, in UTC), so the same
 * seed gives the same text in every time zone.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

// ---------------------------------------------------------------------------------------------------
// Discharges

export interface ChecklistTemplate {
  id: string;
  label: string;
  required: boolean;
  /** A system upstream can tick it (a booking or referral system), so `task.updated` may report it. */
  upstream: boolean;
}

const MED_REC: ChecklistTemplate = {
  id: 'med-rec',
  label: 'Medication reconciliation',
  required: true,
  upstream: false,
};
const TEACH_BACK: ChecklistTemplate = {
  id: 'teach-back',
  label: 'Education completed with teach-back',
  required: true,
  upstream: false,
};
const FOLLOW_UP_APPOINTMENT: ChecklistTemplate = {
  id: 'follow-up-appt',
  label: 'Follow-up appointment scheduled',
  required: true,
  upstream: true,
};
const HOME_HEALTH: ChecklistTemplate = {
  id: 'home-health',
  label: 'Home-health referral accepted',
  required: true,
  upstream: true,
};

function transport(required: boolean): ChecklistTemplate {
  return { id: 'transport', label: 'Transport booked', required, upstream: true };
}

const EQUIPMENT = ['walker', 'shower chair', 'home oxygen', 'hospital bed', 'commode'] as const;

export function equipmentItem(random: Random, required: boolean): ChecklistTemplate {
  return {
    id: 'equipment',
    label: `Equipment delivered: ${random.pick(EQUIPMENT)}`,
    required,
    upstream: true,
  };
}

export interface DischargePlan {
  title: string;
  checklist: ChecklistTemplate[];
}

/** Where the patient goes next decides the checklist; ICU patients go to a ward, not home. */
export function dischargePlan(random: Random, specialty: Specialty, toUnit: string): DischargePlan {
  if (specialty === 'critical-care') {
    return {
      title: `Transfer out of ICU to ${toUnit}`,
      checklist: [
        MED_REC,
        { id: 'receiving-bed', label: `Bed assigned on ${toUnit}`, required: true, upstream: true },
        { id: 'handoff', label: 'Handoff report given to receiving nurse', required: true, upstream: false },
        transport(true),
      ],
    };
  }
  const destination = random.weighted([
    ['home', 5],
    ['home-health', 3],
    ['facility', 2],
  ] as const);
  switch (destination) {
    case 'home':
      // Family often drives; transport is on the list but only needed when they cannot.
      return {
        title: 'Discharge home',
        checklist: [MED_REC, transport(false), FOLLOW_UP_APPOINTMENT, TEACH_BACK],
      };
    case 'home-health':
      return {
        title: 'Discharge home with home health',
        checklist: [
          MED_REC,
          transport(random.chance(0.5)),
          FOLLOW_UP_APPOINTMENT,
          HOME_HEALTH,
          equipmentItem(random, random.chance(0.5)),
          TEACH_BACK,
        ],
      };
    case 'facility':
      return {
        title: 'Discharge to skilled nursing facility',
        checklist: [
          MED_REC,
          transport(true),
          { ...FOLLOW_UP_APPOINTMENT, required: false },
          {
            ...TEACH_BACK,
            label: 'Education completed with teach-back (patient or family)',
            required: false,
          },
        ],
      };
  }
}

const DISCHARGE_DETAIL: Record<Specialty, readonly string[]> = {
  medical: [
    'Community-acquired pneumonia, improving on oral antibiotics.',
    'Heart failure exacerbation, diuresed 3 L, back to dry weight.',
    'Cellulitis of the left leg, afebrile for 48 hours.',
    'COPD exacerbation, back to baseline oxygen.',
    'Urinary tract infection with delirium, now oriented.',
  ],
  surgical: [
    'Day 1 after laparoscopic cholecystectomy.',
    'Day 2 after laparoscopic appendectomy.',
    'Day 3 after right total knee replacement.',
    'Day 4 after bowel resection, tolerating a soft diet.',
    'Day 2 after left hip hemiarthroplasty.',
  ],
  'critical-care': [
    'Extubated yesterday, on 2 L nasal cannula.',
    'DKA resolved, on subcutaneous insulin.',
    'Septic shock resolved, off vasopressors for 24 hours.',
    'GI bleed, hemoglobin stable after two units.',
  ],
};

export function dischargeDetail(random: Random, specialty: Specialty): string {
  return random.pick(DISCHARGE_DETAIL[specialty]);
}

// ---------------------------------------------------------------------------------------------------
// Critical results

export interface CriticalResult {
  analyte: string;
  unit: string;
  /** Values seen so far, oldest first: a trend shows them all ("45 → 120"). */
  values: number[];
  decimals: number;
  trend: boolean;
  priority: Priority;
}

interface ResultDefinition {
  analyte: string;
  unit: string;
  low: number;
  high: number;
  decimals: number;
  /** A rising series (troponin) rather than a single critical value. */
  trend?: boolean;
  /** `stat` at or beyond this value (toward the dangerous side), `asap` otherwise. */
  statFrom: number;
  falling?: boolean;
  specialties: readonly Specialty[];
}

// prettier-ignore
const RESULTS: readonly ResultDefinition[] = [
  { analyte: 'K+', unit: 'mmol/L', low: 6.1, high: 7.0, decimals: 1, statFrom: 6.5, specialties: ['medical', 'surgical', 'critical-care'] },
  { analyte: 'Troponin', unit: 'ng/L', low: 30, high: 60, decimals: 0, trend: true, statFrom: 0, specialties: ['medical', 'surgical'] },
  { analyte: 'Lactate', unit: 'mmol/L', low: 4.1, high: 6.9, decimals: 1, statFrom: 4.0, specialties: ['surgical', 'critical-care'] },
  { analyte: 'Hemoglobin', unit: 'g/L', low: 58, high: 69, decimals: 0, statFrom: 62, falling: true, specialties: ['medical', 'surgical', 'critical-care'] },
  { analyte: 'Na+', unit: 'mmol/L', low: 115, high: 121, decimals: 0, statFrom: 117, falling: true, specialties: ['medical', 'critical-care'] },
  { analyte: 'Glucose', unit: 'mmol/L', low: 1.8, high: 2.6, decimals: 1, statFrom: 2.2, falling: true, specialties: ['medical', 'critical-care'] },
  { analyte: 'INR', unit: '', low: 5.1, high: 8.9, decimals: 1, statFrom: 8.0, specialties: ['medical', 'surgical'] },
];

function between(random: Random, low: number, high: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round((low + random.next() * (high - low)) * scale) / scale;
}

function priorityOf(definition: ResultDefinition, value: number): Priority {
  if (definition.trend) return 'stat';
  const beyond = definition.falling ? value <= definition.statFrom : value >= definition.statFrom;
  return beyond ? 'stat' : 'asap';
}

export function criticalResult(random: Random, specialty: Specialty): CriticalResult {
  const definition = random.pick(RESULTS.filter((r) => r.specialties.includes(specialty)));
  const first = between(random, definition.low, definition.high, definition.decimals);
  const values = definition.trend ? [first, Math.round(first * between(random, 2, 4, 1))] : [first];
  return {
    analyte: definition.analyte,
    unit: definition.unit,
    values,
    decimals: definition.decimals,
    trend: definition.trend ?? false,
    priority: priorityOf(definition, first),
  };
}

/** A repeat sample: a trend keeps rising; a single value is confirmed and becomes `stat`. */
export function repeatResult(random: Random, result: CriticalResult): CriticalResult {
  const last = result.values[result.values.length - 1] ?? 0;
  if (result.trend) {
    return {
      ...result,
      values: [...result.values.slice(-2), Math.round(last * between(random, 1.5, 2.5, 1))],
    };
  }
  return { ...result, priority: 'stat' };
}

export function resultTitle(result: CriticalResult): string {
  const shown = result.values.map((v) => v.toFixed(result.decimals));
  const unit = result.unit === '' ? '' : ` ${result.unit}`;
  if (result.trend) return `${result.analyte} rising ${shown.join(' → ')}${unit}`;
  return `${result.analyte} ${shown[shown.length - 1] ?? ''}${unit}`;
}

export function resultDetail(result: CriticalResult, repeat: boolean): string {
  if (repeat) return 'Repeat sample confirms the result; the provider has been paged.';
  return result.trend
    ? 'Serial samples three hours apart; chest pain reported overnight.'
    : 'Called by the laboratory as a critical value; read back and verified.';
}

// ---------------------------------------------------------------------------------------------------
// Follow-ups

const FOLLOW_UPS: Record<Specialty, readonly string[]> = {
  medical: [
    'Repeat potassium after replacement',
    'Recheck blood glucose before lunch',
    'Reassess breathing after nebulizer',
    'Daily weight missing: weigh and record',
    'Confirm physical therapy evaluation',
    'Review overnight telemetry alarms',
  ],
  surgical: [
    'Wound check and dressing change',
    'Reassess pain score after IV analgesia',
    'Remove urinary catheter (post-op day 2)',
    'Incentive spirometry: coach and document',
    'Record drain output',
    'Confirm physical therapy evaluation',
  ],
  'critical-care': [
    'Repeat lactate in 2 hours',
    'Arterial blood gas after ventilator change',
    'Spontaneous breathing trial',
    'Reposition and skin check',
    'Family update call',
  ],
};

export function followUpTitle(random: Random, specialty: Specialty): string {
  return random.pick(FOLLOW_UPS[specialty]);
}

// ---------------------------------------------------------------------------------------------------
// Human-review exceptions

export interface ExceptionScenario {
  reasonCode: ExceptionReason;
  title: string;
  detail: string;
  /** The interface that raised it: `sourceRef.system`. */
  system: string;
  /** Prefix of the message id at that system, e.g. an HL7 control id. */
  messagePrefix: string;
  /** Whether the patient is known; an unmatched identifier by definition is not. */
  withPatient: boolean;
  priority: Priority;
}

const EXCEPTIONS: readonly ExceptionScenario[] = [
  {
    reasonCode: 'eligibility-failed',
    title: 'Insurance eligibility failed',
    detail: 'The payer reports coverage terminated; verify current insurance before discharge.',
    system: 'eligibility-gateway',
    messagePrefix: 'ELIG',
    withPatient: true,
    priority: 'urgent',
  },
  {
    reasonCode: 'eligibility-failed',
    title: 'Insurance eligibility failed',
    detail: 'Member id not found at the payer; check the insurance card on file.',
    system: 'eligibility-gateway',
    messagePrefix: 'ELIG',
    withPatient: true,
    priority: 'routine',
  },
  {
    reasonCode: 'unmatched-identifier',
    title: 'Unmatched patient identifier',
    detail:
      'An ORU^R01 lab result names an identifier that matches no admitted patient; the result is not filed.',
    system: 'lab-interface',
    messagePrefix: 'ORU',
    withPatient: false,
    priority: 'urgent',
  },
  {
    reasonCode: 'validation-failed',
    title: 'HL7 ADT^A08 failed validation: PID-3 missing',
    detail: 'The patient update arrived without an identifier list and was not applied.',
    system: 'adt-interface',
    messagePrefix: 'ADT',
    withPatient: false,
    priority: 'routine',
  },
  {
    reasonCode: 'validation-failed',
    title: 'HL7 ADT^A02 failed validation: PV1-3 bed unknown',
    detail: 'The transfer names a bed that is not on the unit; the bed board was not updated.',
    system: 'adt-interface',
    messagePrefix: 'ADT',
    withPatient: true,
    priority: 'urgent',
  },
  {
    reasonCode: 'duplicate-record',
    title: 'Suspected duplicate patient record',
    detail: 'Registration created a second record with the same name and date of birth; review and merge.',
    system: 'mpi',
    messagePrefix: 'MPI',
    withPatient: true,
    priority: 'routine',
  },
];

export function exceptionScenario(random: Random): ExceptionScenario {
  return random.weighted(EXCEPTIONS.map((e) => [e, e.reasonCode === 'validation-failed' ? 1 : 1.5] as const));
}

export const EXCEPTION_RETRY_DETAIL = 'Retried at the source and failed again.';

// ---------------------------------------------------------------------------------------------------
// Cancellations: why upstream withdrew a task. Never names a patient.

const CANCEL_REASONS: Record<'discharge' | 'result-ack' | 'follow-up', readonly string[]> = {
  discharge: [
    'Discharge postponed: not medically ready.',
    'Discharge plan changed; a new plan will follow.',
    'Patient transferred to another unit.',
  ],
  'result-ack': ['Result corrected by the laboratory.', 'Specimen hemolyzed; redraw ordered.'],
  'follow-up': ['Order discontinued by the physician.', 'Documented as done in the EHR.'],
};

const EXCEPTION_CANCEL_REASONS: Record<ExceptionReason, string> = {
  'eligibility-failed': 'Eligibility re-verified upstream: coverage active.',
  'unmatched-identifier': 'Identifier matched upstream by the laboratory.',
  'validation-failed': 'A corrected message was resent and accepted.',
  'duplicate-record': 'Records reviewed and merged by health information management.',
};

export function cancelReason(
  random: Random,
  kind: 'discharge' | 'result-ack' | 'follow-up' | 'exception',
  reasonCode?: ExceptionReason,
): string {
  if (kind === 'exception') return EXCEPTION_CANCEL_REASONS[reasonCode ?? 'validation-failed'];
  return random.pick(CANCEL_REASONS[kind]);
}

export const PATIENT_WENT_HOME_REASON = 'Patient discharged from the unit.';
