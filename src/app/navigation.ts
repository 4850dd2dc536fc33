import { hasRole, type Principal } from '../domain';
import type { ViewId } from '../state/ui-store';

export interface ViewLink {
  id: ViewId;
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

/**
 * The views a person's role works in, most important first: charge nurses see escalations first,
 * coordinators the discharge pipeline. The first one is where the app opens.
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
  return ids.map((id) => VIEW_LINKS[id]);
}

export function homePathFor(me: Principal): string | null {
  return viewsFor(me)[0]?.path ?? null;
}
