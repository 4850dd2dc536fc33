import { hasRole, type Principal } from '../domain';
import type { ViewId } from '../state/ui-store';

/** The list views, and the outcomes dashboard (not a list: no filter, sort or count of its own). */
export type NavId = ViewId | 'outcomes';

export interface ViewLink {
  id: NavId;
  path: string;
  label: string;
}

export const VIEW_LINKS: Record<ViewId, ViewLink> = {
  'my-work': { id: 'my-work', path: '/my-work', label: 'My work' },
  queue: { id: 'queue', path: '/queue', label: 'Unit queue' },
  discharge: { id: 'discharge', path: '/discharge', label: 'Discharges' },
  exceptions: { id: 'exceptions', path: '/exceptions', label: 'Exceptions' },
  escalations: { id: 'escalations', path: '/escalations', label: 'Escalations' },
};

/** `/outcomes`, not `/metrics`: that path is the relay's Prometheus endpoint, which a route here would shadow. */
export const OUTCOMES_LINK: ViewLink = { id: 'outcomes', path: '/outcomes', label: 'Outcomes' };

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
  const links = ids.map((id) => VIEW_LINKS[id]);
  // Last: the numbers about the work never come before the work itself.
  return seesOutcomes(me) ? [...links, OUTCOMES_LINK] : links;
}

export function homePathFor(me: Principal): string | null {
  return viewsFor(me)[0]?.path ?? null;
}
