/** Small, readable CloudEvents for tests; the demo hospital makes the realistic ones. */
let counter = 0;

export function routed(
  taskId: string,
  revision: number,
  overrides: Record<string, unknown> = {},
  id = `evt-${++counter}-${taskId}-r${revision}`,
) {
  return {
    specversion: '1.0',
    id,
    source: 'urn:wardline:test',
    type: 'wardline.task.routed',
    time: '2026-11-26T08:00:00Z',
    subject: taskId,
    data: {
      taskId,
      revision,
      kind: 'discharge',
      title: 'Discharge to home',
      priority: 'routine',
      unit: '4W',
      candidateRoles: ['Nurse', 'Coordinator'],
      patient: { ref: 'Patient/test-1', name: 'Testpatient Alpha', mrn: 'TEST-0001', bed: '4W-01' },
      checklist: [
        { id: 'med-rec', label: 'Medication reconciliation', required: true, done: false },
        { id: 'transport', label: 'Transport booked', required: true, done: false },
        { id: 'education', label: 'Education with teach-back', required: false, done: false },
      ],
      ...overrides,
    },
  };
}

/** A stat critical result for 4W that must be acknowledged by `ackBy`: what escalation tests start from. */
export function statResult(id: string, ackBy: Date, overrides: Record<string, unknown> = {}) {
  return routed(id, 1, {
    kind: 'result-ack',
    title: 'K+ 6.4 mmol/L',
    priority: 'stat',
    candidateRoles: ['Nurse', 'ChargeNurse'],
    checklist: [],
    ackBy: ackBy.toISOString(),
    ...overrides,
  });
}
