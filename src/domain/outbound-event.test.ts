import { describe, expect, it } from 'vitest';
import { OutboundEvent } from './outbound-event';

const claimed = {
  specversion: '1.0',
  id: '6f1c2b4e-1d9a-4c55-9a53-1f7d0e8b2a10',
  source: 'urn:wardline:relay',
  type: 'wardline.task.claimed',
  subject: 'task-1',
  time: '2026-11-26T09:15:00.000Z',
  datacontenttype: 'application/json',
  data: {
    taskId: 'task-1',
    revision: 1,
    version: 2,
    seq: 7,
    status: 'accepted',
    actor: { id: 'nurse-okafor', tenantId: 'tenant-1' },
    commandId: 'cmd-1',
    ownerId: 'nurse-okafor',
    previousOwnerId: null,
  },
};

describe('the outbound CloudEvent contract (docs/schemas/outbound-event.schema.json)', () => {
  it('accepts what the relay writes for a claim and for a relay-made escalation', () => {
    expect(OutboundEvent.safeParse(claimed).success).toBe(true);
    const escalated = {
      ...claimed,
      type: 'wardline.task.escalated',
      data: { ...claimed.data, actor: { id: 'system', tenantId: null }, commandId: null, level: 2 },
    };
    expect(OutboundEvent.safeParse(escalated).success).toBe(true);
  });

  it('accepts a handover offer naming the receiver and the holder by id only', () => {
    const offered = {
      ...claimed,
      type: 'wardline.task.handover.offered',
      data: { ...claimed.data, previousOwnerId: 'nurse-okafor', handoverToId: 'nurse-brightwater' },
    };
    expect(OutboundEvent.safeParse(offered).success).toBe(true);
    const withNote = { ...offered, data: { ...offered.data, note: { summary: 'Day 3 after fall' } } };
    expect(OutboundEvent.safeParse(withNote).success).toBe(false);
  });

  it.each([
    ['patient data in data', { ...claimed, data: { ...claimed.data, patient: { name: 'A. Patient' } } }],
    ['an inbound event type', { ...claimed, type: 'wardline.task.routed' }],
    ['a missing seq', { ...claimed, data: { ...claimed.data, seq: undefined } }],
    ['a time without an offset', { ...claimed, time: '2026-11-26T09:15:00' }],
    ['another source', { ...claimed, source: 'urn:someone:else' }],
  ])('refuses %s', (_what, event) => {
    expect(OutboundEvent.safeParse(event).success).toBe(false);
  });
});
