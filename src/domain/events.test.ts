import { describe, expect, it, test } from 'vitest';
import { applyEvent } from './apply-event';
import { EVENT_TYPES, parseInboundEvent, type ParsedEvent } from './events';
import { NOW, cancelledEvent, raisedEvent, routedEvent, updatedEvent } from './testing/fixtures';

function ok(parsed: ParsedEvent) {
  if (!parsed.ok) throw new Error(`expected a valid event, got: ${parsed.reason}`);
  return parsed.event;
}

function bad(parsed: ParsedEvent) {
  if (parsed.ok) throw new Error(`expected a rejection, but ${parsed.event.id} was accepted`);
  return parsed;
}

describe('parseInboundEvent: valid events of every type', () => {
  test.each([
    ['wardline.task.routed', routedEvent()],
    ['wardline.exception.raised', raisedEvent()],
    ['wardline.task.updated', updatedEvent()],
    ['wardline.task.cancelled', cancelledEvent()],
  ] as const)('%s', (type, json) => {
    const event = ok(parseInboundEvent(json));
    expect(event.type).toBe(type);
    expect(event.id).toBe(json.id);
    expect(event.data).toMatchObject({ taskId: json.subject });
  });

  it('covers every event type Wardline accepts', () => {
    expect([...EVENT_TYPES]).toEqual([
      'wardline.task.routed',
      'wardline.exception.raised',
      'wardline.task.updated',
      'wardline.task.cancelled',
    ]);
  });

  it('a routed checklist item without `done` is not done', () => {
    const json = routedEvent({
      checklist: [{ id: 'med-rec', label: 'Medication reconciliation', required: true }],
    });
    const event = ok(parseInboundEvent(json));
    expect(event.type === 'wardline.task.routed' && event.data.checklist).toEqual([
      { id: 'med-rec', label: 'Medication reconciliation', required: true, done: false },
    ]);
  });

  it('subject and time are optional', () => {
    expect(
      ok(parseInboundEvent(routedEvent({}, { subject: undefined, time: undefined }))).subject,
    ).toBeUndefined();
  });

  it('an exception may come without a patient (an unmatched identifier has none)', () => {
    const event = ok(parseInboundEvent(raisedEvent({ patient: undefined })));
    expect(event.type === 'wardline.exception.raised' && event.data.patient).toBeUndefined();
  });
});

describe('parseInboundEvent: each bad input gets a reason a person can read', () => {
  const cases: { title: string; input: unknown; reason: string | RegExp }[] = [
    { title: 'not an object', input: 'wardline.task.routed', reason: /must be a JSON object/ },
    { title: 'an array', input: [routedEvent()], reason: /must be a JSON object/ },
    { title: 'null', input: null, reason: /must be a JSON object/ },
    {
      title: 'wrong specversion',
      input: routedEvent({}, { specversion: '0.3' }),
      reason: 'specversion must be "1.0" (got "0.3").',
    },
    {
      title: 'specversion as a number',
      input: routedEvent({}, { specversion: 1 }),
      reason: 'specversion must be "1.0" (got 1).',
    },
    {
      title: 'missing specversion',
      input: routedEvent({}, { specversion: undefined }),
      reason: 'specversion must be "1.0" (got missing).',
    },
    {
      title: 'unknown type',
      input: routedEvent({}, { type: 'wardline.task.deleted' }),
      reason:
        'type "wardline.task.deleted" is not one Wardline accepts (wardline.task.routed, wardline.exception.raised, wardline.task.updated, wardline.task.cancelled).',
    },
    {
      title: 'missing type',
      input: routedEvent({}, { type: undefined }),
      reason: /^type missing is not one Wardline accepts/,
    },
    {
      title: 'missing id',
      input: routedEvent({}, { id: undefined }),
      reason: 'id is missing: every event needs a unique id (it is the de-duplication key).',
    },
    { title: 'blank id', input: routedEvent({}, { id: '   ' }), reason: /^id is missing/ },
    { title: 'missing source', input: routedEvent({}, { source: undefined }), reason: /^source: / },
    { title: 'missing data', input: routedEvent({}, { data: undefined }), reason: /^data: / },
    { title: 'revision as text', input: routedEvent({ revision: '2' }), reason: /^data\.revision: .*number/ },
    { title: 'a fractional revision', input: routedEvent({ revision: 1.5 }), reason: /^data\.revision: / },
    { title: 'a negative revision', input: routedEvent({ revision: -1 }), reason: /^data\.revision: / },
    {
      title: 'an unknown priority',
      input: routedEvent({ priority: 'high' }),
      reason: /^data\.priority: .*routine/,
    },
    { title: 'an unknown kind', input: routedEvent({ kind: 'exception' }), reason: /^data\.kind: / },
    {
      title: 'an unknown role',
      input: routedEvent({ candidateRoles: ['Doctor'] }),
      reason: /^data\.candidateRoles\.0: /,
    },
    {
      title: 'no candidate roles',
      input: routedEvent({ candidateRoles: [] }),
      reason: /^data\.candidateRoles: /,
    },
    {
      title: 'a due time that is not a time',
      input: routedEvent({ dueAt: 'after lunch' }),
      reason: /^data\.dueAt: /,
    },
    {
      title: 'a patient without an MRN',
      input: routedEvent({ patient: { ref: 'Patient/1', name: 'X' } }),
      reason: /^data\.patient\.mrn: /,
    },
    {
      title: 'a checklist flag as text',
      input: routedEvent({ checklist: [{ id: 'a', label: 'A', required: 'yes' }] }),
      reason: /^data\.checklist\.0\.required: .*boolean/,
    },
    { title: 'a title as a number', input: routedEvent({ title: 42 }), reason: /^data\.title: .*string/ },
    { title: 'a blank title', input: routedEvent({ title: '   ' }), reason: /^data\.title: / },
    {
      title: 'a title over 300 characters',
      input: routedEvent({ title: 'x'.repeat(301) }),
      reason: /^data\.title: /,
    },
    {
      title: 'an unknown exception reason',
      input: raisedEvent({ reasonCode: 'cosmic-rays' }),
      reason: /^data\.reasonCode: /,
    },
    {
      title: 'an update with no items',
      input: updatedEvent({ checklist: [] }),
      reason: /^data\.checklist: /,
    },
    {
      title: 'an update with done as text',
      input: updatedEvent({ checklist: [{ id: 'a', done: 'true' }] }),
      reason: /^data\.checklist\.0\.done: /,
    },
    {
      title: 'a cancellation without a reason',
      input: cancelledEvent({ reason: ' ' }),
      reason: /^data\.reason: /,
    },
    {
      title: 'subject ≠ data.taskId',
      input: routedEvent({}, { subject: 'task-someone-else' }),
      reason: 'subject (task-someone-else) must equal data.taskId (task-4w-bed12-discharge).',
    },
    {
      title: 'duplicate checklist ids',
      input: routedEvent({
        checklist: [
          { id: 'transport', label: 'Transport booked', required: true },
          { id: 'transport', label: 'Transport confirmed', required: false },
        ],
      }),
      reason: 'data.checklist: checklist item ids must be unique.',
    },
  ];

  test.each(cases.map((c) => [c.title, c] as const))('%s', (_title, { input, reason }) => {
    const parsed = bad(parseInboundEvent(input));
    if (typeof reason === 'string') expect(parsed.reason).toBe(reason);
    else expect(parsed.reason).toMatch(reason);
    // A sentence, not a stack trace or a dump of the schema.
    expect(parsed.reason).toMatch(/\.$/);
    expect(parsed.reason.length).toBeLessThan(400);
  });

  it('a rejection carries the event’s id when it has one, so the answer can name it', () => {
    expect(bad(parseInboundEvent(routedEvent({ priority: 'high' }))).id).toBe('evt-routed-0001');
    expect(bad(parseInboundEvent(routedEvent({}, { id: undefined }))).id).toBeNull();
  });

  it('lists at most three problems and counts the rest', () => {
    const json = routedEvent({ revision: 'one', priority: 'high', kind: 'x', unit: '', title: 7 });
    expect(bad(parseInboundEvent(json)).reason).toMatch(/ \(and 2 more problems\)\.$/);
  });

  it('a long bad value is shortened in the reason', () => {
    const reason = bad(parseInboundEvent(routedEvent({}, { type: 'x'.repeat(500) }))).reason;
    expect(reason.length).toBeLessThan(200);
    expect(reason).toContain('…');
  });
});

describe('parseInboundEvent: markup in text fields is accepted and kept verbatim, as text', () => {
  const markup = {
    title: '<script>alert("x")</script> Discharge & review',
    detail: '<img src=x onerror="alert(1)"> <b>K+</b> 6.4 &gt; 6.0',
    patient: { ref: 'Patient/demo-0099', name: "O'Brien <i>Test</i>", mrn: 'DEMO-<0099>', bed: '4W-<1>' },
    checklist: [
      { id: 'edu', label: '<a href="javascript:alert(1)">Teach-back</a>', required: true, done: false },
    ],
  };

  it('routed: every text field is stored exactly as sent', () => {
    const event = ok(parseInboundEvent(routedEvent(markup)));
    expect(event.data).toMatchObject(markup);
    const stored = applyEvent(null, event, NOW);
    if (stored.status !== 'applied') throw new Error(stored.reason);
    expect(stored.task).toMatchObject({
      title: markup.title,
      detail: markup.detail,
      patient: markup.patient,
    });
    expect(stored.task.checklist[0]?.label).toBe(markup.checklist[0]?.label);
  });

  it('exception and cancellation text too', () => {
    const detail = '</td><td onclick=steal()>MSH|^~\\&|LAB';
    expect(ok(parseInboundEvent(raisedEvent({ detail }))).data).toMatchObject({ detail });
    const reason = '<marquee>withdrawn</marquee>';
    expect(ok(parseInboundEvent(cancelledEvent({ reason }))).data).toMatchObject({ reason });
  });
});
