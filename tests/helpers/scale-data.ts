import { routed } from './events';

const PRIORITIES = ['routine', 'routine', 'routine', 'urgent', 'asap', 'stat'] as const;
const KINDS = [
  { kind: 'follow-up', title: 'Recheck observations' },
  { kind: 'discharge', title: 'Discharge home' },
  { kind: 'result-ack', title: 'Potassium 5.9 mmol/L' },
] as const;

/**
 * `count` unclaimed 4W tasks routed to nurses: a unit far busier than any real one, for the virtual
 * list and the fresh-device sync. Due times spread from two hours ago to a day ahead, so the list has
 * overdue work at the top as a real one would.
 */
export function busyUnit(count: number, prefix = 'scale'): unknown[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const { kind, title } = KINDS[i % KINDS.length]!;
    const due = new Date(now + (((i * 7919) % (26 * 60)) - 120) * 60_000).toISOString();
    return routed(`${prefix}-${String(i).padStart(5, '0')}`, 1, {
      kind,
      title: `${title} ${i}`,
      priority: PRIORITIES[i % PRIORITIES.length],
      candidateRoles: ['Nurse', 'ChargeNurse'],
      patient: {
        ref: `Patient/${prefix}-${i}`,
        name: `Scale Patient ${String(i).padStart(5, '0')}`,
        mrn: `DEMO-${String(800000 + i)}`,
        bed: `4W-${String(i % 30).padStart(2, '0')}`,
      },
      ...(kind === 'result-ack' ? { ackBy: due, checklist: [] } : { dueAt: due }),
      ...(kind === 'discharge' ? { expectedDischargeAt: due } : {}),
      ...(kind === 'follow-up' ? { checklist: [] } : {}),
    });
  });
}
