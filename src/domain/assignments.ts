import { z } from 'zod';
import { StaffRef } from './task';

/**
 * PROVISIONAL copy of the shapes agreed in the patient-assignments contract (h15-relay owns this file;
 * at merge the relay's version wins). Beds have at most one assigned nurse per shift (docs/ASSIGNMENTS.md).
 */
const IsoTime = z.iso.datetime({ offset: true });

export const Shift = z.object({
  /** Local start, stable for the shift, e.g. "2026-12-03T07:00". */
  id: z.string().min(1),
  label: z.string(),
  startsAt: IsoTime,
  endsAt: IsoTime,
});
export type Shift = z.infer<typeof Shift>;

export const BedAssignment = z.object({
  bed: z.string().min(1),
  nurse: StaffRef.nullable(),
  assignedBy: StaffRef.nullable(),
  assignedAt: IsoTime.nullable(),
  source: z.enum(['charge', 'self', 'ehr']).nullable(),
});
export type BedAssignment = z.infer<typeof BedAssignment>;

export const UnitAssignments = z.object({
  unit: z.string().min(1),
  shift: Shift,
  /** Every bed of the unit, sorted. */
  beds: z.array(BedAssignment),
  /** Beds whose assignment ended at the last shift change and are not assigned again. */
  endedUnassigned: z.array(z.string()),
});
export type UnitAssignments = z.infer<typeof UnitAssignments>;

export const AssignBedsCommand = z.object({
  commandId: z.uuid(),
  unit: z.string().min(1),
  beds: z.array(z.string().min(1)).min(1).max(60),
  /** null = unassign. */
  nurseId: z.string().min(1).nullable(),
  shiftId: z.string().min(1),
  madeAt: IsoTime,
});
export type AssignBedsCommand = z.infer<typeof AssignBedsCommand>;

export const AssignBedsResult = z.object({
  status: z.enum(['applied', 'duplicate', 'rejected']),
  code: z.enum(['conflict', 'forbidden', 'invalid', 'not-found', 'closed']).optional(),
  message: z.string().optional(),
  original: z.enum(['applied', 'rejected']).optional(),
  assignments: UnitAssignments.nullable(),
});
export type AssignBedsResult = z.infer<typeof AssignBedsResult>;

export const ASSIGNMENT_HUB_METHODS = { assignments: 'assignments', assignBeds: 'assignBeds' } as const;
export const ASSIGNMENT_HUB_EVENTS = { assignmentsChanged: 'assignmentsChanged' } as const;
