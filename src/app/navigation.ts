import { hasRole, type Principal } from '../domain';
import type { ViewId } from '../state/ui-store';

/** The list views, and the outcomes dashboard (not a list: no filter, sort or count of its own). */
export type NavId = ViewId | 'outcomes' | 'holders' | 'staff' | 'beds';

export interface ViewLink {
  id: NavId;
  path: string;
  label: string;
  /** A shorter label for a phone's bottom bar, where five views share 390 px. */
  shortLabel?: string;
}

export const VIEW_LINKS: Record<ViewId, ViewLink> = {
  'my-work': { id: 'my-work', path: '/my-work', label: 'My work' },
  queue: { id: 'queue', path: '/queue', label: 'Unit queue', shortLabel: 'Queue' },
  discharge: { id: 'discharge', path: '/discharge', label: 'Discharges' },
  exceptions: { id: 'exceptions', path: '/exceptions', label: 'Exceptions' },
  escalations: { id: 'escalations', path: '/escalations', label: 'Escalations', shortLabel: 'Escalated' },
};

/** `/outcomes`, not `/metrics`: that path is the relay's Prometheus endpoint, which a route here would shadow. */
export const OUTCOMES_LINK: ViewLink = { id: 'outcomes', path: '/outcomes', label: 'Outcomes' };

/** Every open task of a unit by who holds it (docs/HANDOFFS.md): for those who lead the unit's work. */
export const HOLDERS_LINK: ViewLink = {
  id: 'holders',
  path: '/holders',
  label: 'Who holds what',
  shortLabel: 'Team',
};

/** An admin's screen: who works where, and each person's access log (the relay's admin API). */
export const STAFF_LINK: ViewLink = { id: 'staff', path: '/staff', label: 'Staff directory' };

/** Each bed's nurse for the shift (docs/ASSIGNMENTS.md): where beds are assigned, taken and given back. */
export const BEDS_LINK: ViewLink = { id: 'beds', path: '/beds', label: 'Beds' };

/** Nurses and charge nurses work beds; only someone on a unit has a board. */
export function seesBeds(me: Principal): boolean {
  return hasRole(me, 'Nurse', 'ChargeNurse') && me.units.length > 0;
}

export function seesHolders(me: Principal): boolean {
  return hasRole(me, 'ChargeNurse', 'Coordinator', 'Supervisor') && me.units.length > 0;
}

/** Who the relay's outcome metrics are for (docs/METRICS.md [M11]); anyone else would only see a refusal. */
export function seesOutcomes(me: Principal): boolean {
  return hasRole(me, 'Coordinator', 'ChargeNurse', 'Supervisor');
}

/**
 * The views a person's role works in, most important first: charge nurses see escalations first,
 * coordinators the discharge pipeline. The first one is where the app opens; leads end with the outcomes.
 */
export function viewsFor(me: Principal): ViewLink[] {
  const ids: ViewId[] = [];
  const add = (...more: ViewId[]) => {
    for (const id of more) if (!ids.includes(id)) ids.push(id);
  };
  if (hasRole(me, 'ChargeNurse', 'Supervisor')) add('escalations');
  if (hasRole(me, 'Coordinator')) add('discharge', 'exceptions');
  if (hasRole(me, 'Nurse', 'ChargeNurse', 'Coordinator', 'Supervisor')) add('my-work', 'queue');
  if (hasRole(me, 'Supervisor')) add('discharge', 'exceptions');
  const links: ViewLink[] = ids.map((id) => VIEW_LINKS[id]);
  // Admins see no patient work (visibleTo): the directory is their worklist.
  if (hasRole(me, 'Admin')) links.push(STAFF_LINK);
  // Right after the first view: the lead's second question is who has the work.
  if (seesHolders(me)) links.splice(1, 0, HOLDERS_LINK);
  // After the person's own work: the beds say whose patients they are.
  if (seesBeds(me)) links.splice(links.indexOf(VIEW_LINKS['my-work']) + 1, 0, BEDS_LINK);
  // Last: the numbers about the work never come before the work itself.
  return seesOutcomes(me) ? [...links, OUTCOMES_LINK] : links;
}

export function homePathFor(me: Principal): string | null {
  return viewsFor(me)[0]?.path ?? null;
}
