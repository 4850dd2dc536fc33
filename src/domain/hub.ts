import { z } from 'zod';
import { Priority, StaffRef, type Task } from './task';

/** The worklist hub's contract (docs/HUB.md), shared by the relay and the PWA. */
export const HUB_PATH = '/hubs/worklist';

export const HUB_METHODS = {
  sync: 'sync',
  execute: 'execute',
  /** `assignments(unit) → UnitAssignments` (docs/ASSIGNMENTS.md AS3). */
  assignments: 'assignments',
  /** `assignBeds(AssignBedsCommand) → AssignBedsResult` (AS4–AS8). */
  assignBeds: 'assignBeds',
} as const;
export const HUB_EVENTS = {
  taskChanged: 'taskChanged',
  taskRemoved: 'taskRemoved',
  alert: 'alert',
  /** `assignmentsChanged(UnitAssignments)` to every live member of the unit (AS3). */
  assignmentsChanged: 'assignmentsChanged',
  /**
   * `unitsChanged(units)` to the moved person's live connections, before H5's task pushes: her screen
   * filters by her units, so it must know them before the work that entered her view arrives.
   */
  unitsChanged: 'unitsChanged',
} as const;

/** The payload of `unitsChanged` (H5): the person's units now. Validated on arrival; malformed is ignored. */
export const UnitsChanged = z.array(z.string().min(1)).max(50);

export interface SyncPage {
  tasks: Task[];
  /**
   * Ids the caller should drop: tasks it may hold and can no longer see (moved unit, reassigned away —
   * visible at `cursor` or at any change since, because live pushes may have delivered those states),
   * and its tasks that closed longer ago than the retention window.
   */
  removed: string[];
  /** Pass this back to get the next page; it only ever grows. */
  cursor: number;
  /** True when the caller is up to date as of this page. */
  complete: boolean;
}

/**
 * An escalation, pushed as `alert(alert)` to the people its level targets. Several tasks of one patient
 * escalating within a few seconds travel as one alert (`taskIds`), so a run of critical results for one
 * patient rings once. Validated on arrival like any relay message (the PWA ignores a malformed one).
 */
export const Alert = z.object({
  id: z.string().min(1),
  taskIds: z.array(z.string().min(1)).min(1),
  unit: z.string().min(1),
  /** The chain level that fired (never counting repeats), and how many times it has repeated. */
  level: z.number().int().min(1),
  repeats: z.number().int().min(0).default(0),
  targetRole: z.string(),
  scope: z.enum(['unit', 'hospital']),
  priority: Priority,
  /** The first task's title, e.g. "K+ 6.4 mmol/L"; the screen shows "and N more" for the rest. */
  title: z.string(),
  bed: z.string().nullable(),
  at: z.iso.datetime({ offset: true }),
  /** When the next level fires if nobody acknowledges, or null at the end of the chain. */
  nextAt: z.iso.datetime({ offset: true }).nullable(),
  /**
   * What rang: an escalation level (absent means escalation, so older alerts still parse), or a
   * handover offer that waited past HANDOVER_ACCEPT_MINUTES (docs/HANDOFFS.md HO7), sent once to the
   * unit's charge nurses. A handover alert has `level` 1, `repeats` 0, `targetRole` "ChargeNurse",
   * `scope` "unit", `nextAt` null, and `handover` set; an escalation has no `handover`. A `patient`
   * alert is a new stat/asap task routed to the bed's assigned nurse whose chain does not reach her at
   * its arrival (docs/ASSIGNMENTS.md AS14): `level` 1, `repeats` 0, `targetRole` "AssignedNurse",
   * `scope` "unit", `nextAt` null.
   */
  kind: z.enum(['escalation', 'handover', 'patient']).optional(),
  handover: z
    .object({
      from: StaffRef,
      to: StaffRef,
      offeredAt: z.iso.datetime({ offset: true }),
      /** Whole minutes the offer has waited when the alert was sent. */
      waitedMinutes: z.number().int().min(0),
    })
    .optional(),
});
export type Alert = z.infer<typeof Alert>;
