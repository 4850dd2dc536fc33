import { describe, expect, it } from 'vitest';
import { DEMO_STAFF, DEMO_UNITS } from '../../server/src/auth/demo-staff';
import {
  DEMO_HOSPITAL_UNITS,
  DEMO_MRN_PATTERN,
  DEMO_PATIENT_REF_PATTERN,
  DEMO_SOURCE,
  FAMILY_NAMES,
  FIRST_NAMES,
  createDemoHospital,
  createRandom,
  generateEvents,
  type DemoEvent,
} from '../../server/src/demo';
import { applyEvent } from '../../src/domain/apply-event';
import { EXCEPTION_REASONS, type Task } from '../../src/domain/task';
import { parseInboundEvent } from '../../src/domain/events';

const MORNING = new Date('2025-03-04T07:00:00.000Z');
const SEEDS = [1, 42, 20_250_304, 0xdeadbeef] as const;
const MINUTE_MS = 60_000;

/** A clock that stays where the test puts it. */
function fixedClock(start: Date = MORNING) {
  let ms = start.getTime();
  return {
    now: () => new Date(ms),
    advance(byMs: number) {
      ms += byMs;
    },
  };
}

function patientOf(event: DemoEvent) {
  if (event.type === 'wardline.task.routed' || event.type === 'wardline.exception.raised')
    return event.data.patient;
  return undefined;
}

describe('every demo event honours the inbound contract', () => {
  it.each(SEEDS)('seed %s: 2,000 events all pass parseInboundEvent unchanged', (seed) => {
    const events = generateEvents(seed, 2_000, MORNING);
    expect(events).toHaveLength(2_000);
    for (const event of events) {
      // Through JSON, as the relay receives it.
      const wire: unknown = JSON.parse(JSON.stringify(event));
      const parsed = parseInboundEvent(wire);
      if (!parsed.ok) throw new Error(`${event.id} rejected: ${parsed.reason}`);
      // Nothing was trimmed, defaulted or dropped: the event is exactly what the contract describes.
      expect(parsed.event).toEqual(wire);
    }
  });

  it('every envelope has the source of a demo system, a time from the clock and the task id as subject', () => {
    const events = generateEvents(42, 1_000, MORNING);
    let previous = MORNING.getTime();
    for (const [i, event] of events.entries()) {
      expect(event.specversion).toBe('1.0');
      expect(event.id).toBe(`demo-42-${i + 1}`);
      // The demo's systems each name themselves, for the task history's "Lab system".
      expect(event.source.startsWith(`${DEMO_SOURCE}:`)).toBe(true);
      expect(event.subject).toBe(event.data.taskId);
      const time = Date.parse(event.time ?? '');
      expect(time).toBeGreaterThanOrEqual(previous);
      previous = time;
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('mixes every type, kind and exception reason, with newer snapshots and withdrawn ticks', () => {
    const events = generateEvents(42, 2_000, MORNING);
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual([
      'wardline.exception.raised',
      'wardline.task.cancelled',
      'wardline.task.routed',
      'wardline.task.updated',
    ]);
    const routed = events.filter((e) => e.type === 'wardline.task.routed');
    expect(new Set(routed.map((e) => e.data.kind))).toEqual(
      new Set(['discharge', 'result-ack', 'follow-up']),
    );
    const raised = events.filter((e) => e.type === 'wardline.exception.raised');
    expect(new Set(raised.map((e) => e.data.reasonCode))).toEqual(new Set(EXCEPTION_REASONS));
    expect(routed.filter((e) => e.data.revision > 1).length).toBeGreaterThan(20);
    expect(raised.filter((e) => e.data.revision > 1).length).toBeGreaterThan(5);
    const updates = events.filter((e) => e.type === 'wardline.task.updated');
    expect(updates.filter((e) => e.data.checklist.some((c) => c.done)).length).toBeGreaterThan(50);
    expect(updates.filter((e) => e.data.checklist.some((c) => !c.done)).length).toBeGreaterThan(0);
  });

  it('a small count is still exact, zero is empty and a bad count is refused', () => {
    expect(generateEvents(3, 7, MORNING)).toHaveLength(7);
    expect(generateEvents(3, 0, MORNING)).toEqual([]);
    expect(() => generateEvents(3, -1, MORNING)).toThrow(RangeError);
    expect(() => generateEvents(3, 1.5, MORNING)).toThrow(RangeError);
    expect(() => generateEvents(Number.NaN, 5, MORNING)).toThrow(RangeError);
  });
});

describe('determinism', () => {
  it('the same seed and start time give byte-identical events', () => {
    const a = JSON.stringify(generateEvents(42, 1_500, MORNING));
    const b = JSON.stringify(generateEvents(42, 1_500, new Date(MORNING.getTime())));
    expect(a).toBe(b);
  });

  it('a different seed gives different events, patients and ids', () => {
    const a = generateEvents(42, 300, MORNING);
    const b = generateEvents(43, 300, MORNING);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    const namesA = new Set(a.map((e) => patientOf(e)?.name).filter(Boolean));
    const namesB = new Set(b.map((e) => patientOf(e)?.name).filter(Boolean));
    expect(namesA).not.toEqual(namesB);
    expect(b[0]?.id).toBe('demo-43-1');
  });

  it('a hospital on the same seed and the same clock repeats itself call for call', () => {
    const run = () => {
      const clock = fixedClock();
      const hospital = createDemoHospital({ seed: 7, now: clock.now });
      const events = hospital.backlog(150);
      for (let i = 0; i < 500; i++) {
        clock.advance(7_000);
        events.push(hospital.next());
      }
      return JSON.stringify(events);
    };
    expect(run()).toBe(run());
  });

  it('the clock only moves times: the same seed on another morning keeps the same work', () => {
    const a = generateEvents(42, 400, MORNING);
    const b = generateEvents(42, 400, new Date(MORNING.getTime() + 3 * 60 * MINUTE_MS));
    expect(a.map((e) => e.id)).toEqual(b.map((e) => e.id));
    expect(a.map((e) => e.type)).toEqual(b.map((e) => e.type));
    expect(a.map((e) => e.data.taskId)).toEqual(b.map((e) => e.data.taskId));
    expect(a[0]?.time).not.toBe(b[0]?.time);
  });

  it('the generator is seeded: same seed, same stream; different seed, different stream', () => {
    const draw = (seed: number) => Array.from({ length: 50 }, createRandom(seed).next);
    const one = createRandom(9);
    const values = Array.from({ length: 1_000 }, () => one.next());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
    expect(draw(9)).toEqual(values.slice(0, 50));
    expect(draw(10)).not.toEqual(draw(9));
    const ints = Array.from({ length: 2_000 }, () => one.int(20, 28));
    expect(Math.min(...ints)).toBe(20);
    expect(Math.max(...ints)).toBe(28);
  });
});

describe('the morning backlog', () => {
  const hospital = createDemoHospital({ seed: 42, now: () => MORNING });
  const backlog = hospital.backlog();

  it('is about 150 open items, one new task each, shared between 4W, 5E and ICU', () => {
    expect(backlog).toHaveLength(150);
    expect(hospital.openTaskCount).toBe(150);
    expect(
      backlog.every((e) => e.type === 'wardline.task.routed' || e.type === 'wardline.exception.raised'),
    ).toBe(true);
    expect(backlog.every((e) => e.data.revision === 1)).toBe(true);
    expect(new Set(backlog.map((e) => e.data.taskId)).size).toBe(150);
    const byUnit = new Map<string, number>();
    for (const event of backlog) {
      if (event.type !== 'wardline.task.routed' && event.type !== 'wardline.exception.raised') continue;
      byUnit.set(event.data.unit, (byUnit.get(event.data.unit) ?? 0) + 1);
    }
    expect([...byUnit.keys()].sort()).toEqual(['4W', '5E', 'ICU']);
    for (const count of byUnit.values()) expect(count).toBeGreaterThanOrEqual(30);
  });

  it('any batch of 50 touches every unit', () => {
    for (let i = 0; i < backlog.length; i += 50) {
      const units = new Set(backlog.slice(i, i + 50).map((e) => ('unit' in e.data ? e.data.unit : null)));
      expect(units).toEqual(new Set(['4W', '5E', 'ICU']));
    }
  });

  it('has the three demo units of the staff directory, each with 20 to 28 beds', () => {
    expect(DEMO_HOSPITAL_UNITS.map((u) => u.code)).toEqual([...DEMO_UNITS]);
    for (const unit of DEMO_HOSPITAL_UNITS) {
      expect(unit.beds).toBeGreaterThanOrEqual(20);
      expect(unit.beds).toBeLessThanOrEqual(28);
    }
  });

  it('puts patients in real beds of their own unit, one patient per bed', () => {
    const inBed = new Map<string, string>();
    for (const event of backlog) {
      const patient = patientOf(event);
      if (!patient || !('unit' in event.data)) continue;
      const unit = DEMO_HOSPITAL_UNITS.find((u) => u.code === (event.data as { unit: string }).unit);
      const match = /^(4W|5E|ICU)-(\d{2})$/.exec(patient.bed ?? '');
      expect(match?.[1]).toBe(unit?.code);
      const bed = Number(match?.[2]);
      expect(bed).toBeGreaterThanOrEqual(1);
      expect(bed).toBeLessThanOrEqual(unit?.beds ?? 0);
      const seen = inBed.get(patient.bed ?? '');
      if (seen) expect(seen).toBe(patient.ref);
      inBed.set(patient.bed ?? '', patient.ref);
    }
    expect(inBed.size).toBeGreaterThan(50);
  });

  it('has every kind of work, and at most one discharge per patient', () => {
    const routed = backlog.filter((e) => e.type === 'wardline.task.routed');
    const kinds = new Set(routed.map((e) => e.data.kind));
    expect(kinds).toEqual(new Set(['discharge', 'result-ack', 'follow-up']));
    expect(backlog.some((e) => e.type === 'wardline.exception.raised')).toBe(true);
    const discharges = routed.filter((e) => e.data.kind === 'discharge');
    expect(discharges.length).toBeGreaterThan(30);
    expect(new Set(discharges.map((e) => e.data.patient.ref)).size).toBe(discharges.length);
  });
});

describe('the work itself', () => {
  const events = generateEvents(20_250_304, 2_000, MORNING);
  const routed = events.filter((e) => e.type === 'wardline.task.routed');

  it('discharges carry a checklist with required and optional items and a planned time later today or tomorrow', () => {
    const discharges = routed.filter((e) => e.data.kind === 'discharge' && e.data.revision === 1);
    expect(discharges.length).toBeGreaterThan(50);
    const labels = new Set<string>();
    for (const event of discharges) {
      const data = event.data;
      expect(data.candidateRoles).toEqual(['Nurse', 'Coordinator']);
      const checklist = data.checklist ?? [];
      expect(checklist.length).toBeGreaterThanOrEqual(4);
      expect(checklist.some((i) => i.required)).toBe(true);
      for (const item of checklist) labels.add(item.label.replace(/:.*$/, ''));
      const time = Date.parse(event.time ?? '');
      const expected = Date.parse(data.expectedDischargeAt ?? '');
      expect(expected).toBeGreaterThan(time);
      expect(expected - time).toBeLessThan(2 * 24 * 60 * MINUTE_MS);
      expect(new Date(expected).getUTCMinutes() % 15).toBe(0);
    }
    expect(discharges.some((e) => e.data.checklist?.some((i) => !i.required))).toBe(true);
    for (const label of [
      'Medication reconciliation',
      'Transport booked',
      'Follow-up appointment scheduled',
      'Home-health referral accepted',
      'Equipment delivered',
      'Education completed with teach-back',
    ]) {
      expect(labels).toContain(label);
    }
  });

  it('critical results are stat or asap, for nurses and charge nurses, to acknowledge within ten minutes', () => {
    const results = routed.filter((e) => e.data.kind === 'result-ack' && e.data.revision === 1);
    const live = results.filter((e) => e.time !== MORNING.toISOString());
    expect(live.length).toBeGreaterThan(10);
    for (const event of results) {
      expect(['stat', 'asap']).toContain(event.data.priority);
      expect(event.data.candidateRoles).toEqual(['Nurse', 'ChargeNurse']);
      expect(event.data.title).toMatch(/^(K\+|Troponin|Lactate|Hemoglobin|Na\+|Glucose|INR) /);
    }
    for (const event of live) {
      expect(Date.parse(event.data.ackBy ?? '') - Date.parse(event.time ?? '')).toBe(10 * MINUTE_MS);
    }
    expect(results.some((e) => /^Troponin rising \d+ → \d+ ng\/L$/.test(e.data.title))).toBe(true);
    expect(results.some((e) => /^K\+ \d\.\d mmol\/L$/.test(e.data.title))).toBe(true);
  });

  it('exceptions name their source message, and an unmatched identifier names no patient', () => {
    const raised = events.filter((e) => e.type === 'wardline.exception.raised');
    for (const event of raised) {
      expect(event.data.sourceRef?.system).toBeTruthy();
      expect(event.data.sourceRef?.messageId).toMatch(/^[A-Z]+\d{8}$/);
      if (event.data.reasonCode === 'unmatched-identifier') expect(event.data.patient).toBeUndefined();
    }
    const titles = new Set(raised.map((e) => e.data.title));
    expect(titles).toContain('Insurance eligibility failed');
    expect(titles).toContain('HL7 ADT^A08 failed validation: PID-3 missing');
    expect(titles).toContain('Suspected duplicate patient record');
  });
});

describe('the story stays consistent per task', () => {
  it.each(SEEDS)('seed %s: revisions strictly increase, and updates and cancels follow a routing', (seed) => {
    const events = generateEvents(seed, 2_000, MORNING);
    const revision = new Map<string, number>();
    const cancelled = new Set<string>();
    const checklistIds = new Map<string, Set<string>>();
    for (const event of events) {
      const id = event.data.taskId;
      expect(cancelled.has(id), `${event.id} follows the cancellation of ${id}`).toBe(false);
      const before = revision.get(id);
      if (event.type === 'wardline.task.updated' || event.type === 'wardline.task.cancelled') {
        expect(before, `${event.id} names ${id} before it was routed`).toBeDefined();
      }
      if (before !== undefined) expect(event.data.revision).toBeGreaterThan(before);
      revision.set(id, event.data.revision);
      if (event.type === 'wardline.task.routed') {
        checklistIds.set(id, new Set((event.data.checklist ?? []).map((i) => i.id)));
      }
      if (event.type === 'wardline.task.updated') {
        for (const item of event.data.checklist) expect(checklistIds.get(id)).toContain(item.id);
      }
      if (event.type === 'wardline.task.cancelled') cancelled.add(id);
    }
    expect(cancelled.size).toBeGreaterThan(100);
  });

  it('applied in order by the domain, every event is applied: none stale, none rejected', () => {
    const store = new Map<string, Task>();
    const outcomes: Record<string, number> = {};
    for (const event of generateEvents(42, 2_000, MORNING)) {
      const parsed = parseInboundEvent(JSON.parse(JSON.stringify(event)));
      if (!parsed.ok) throw new Error(parsed.reason);
      const outcome = applyEvent(store.get(event.data.taskId) ?? null, parsed.event, event.time ?? '');
      outcomes[outcome.status] = (outcomes[outcome.status] ?? 0) + 1;
      if (outcome.status === 'applied') store.set(outcome.task.id, outcome.task);
    }
    expect(outcomes).toEqual({ applied: 2_000 });
    // The day does not run away: the simulator keeps roughly a morning's worth open.
    const open = [...store.values()].filter((t) => t.status !== 'cancelled').length;
    expect(open).toBeGreaterThan(75);
    expect(open).toBeLessThan(300);
  });

  it('a newer snapshot keeps the checklist ticks upstream already reported', () => {
    const events = generateEvents(42, 2_000, MORNING);
    const ticked = new Map<string, Set<string>>();
    let checked = 0;
    for (const event of events) {
      const id = event.data.taskId;
      if (event.type === 'wardline.task.updated') {
        const set = ticked.get(id) ?? new Set<string>();
        for (const item of event.data.checklist) {
          if (item.done) set.add(item.id);
          else set.delete(item.id);
        }
        ticked.set(id, set);
      }
      if (event.type === 'wardline.task.routed' && event.data.revision > 1 && ticked.has(id)) {
        const done = new Set((event.data.checklist ?? []).filter((i) => i.done).map((i) => i.id));
        for (const itemId of ticked.get(id) ?? []) expect(done).toContain(itemId);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('patients are obviously fictional', () => {
  const events = generateEvents(42, 2_000, MORNING).concat(generateEvents(0xdeadbeef, 1_000, MORNING));
  const patients = events.map(patientOf).filter((p) => p !== undefined);

  it('names are two words from the demo lists, MRNs start DEMO- and match the patient reference', () => {
    expect(patients.length).toBeGreaterThan(500);
    for (const patient of patients) {
      const [first, family, ...rest] = patient.name.split(' ');
      expect(rest).toEqual([]);
      expect(FIRST_NAMES).toContain(first);
      expect(FAMILY_NAMES).toContain(family);
      expect(patient.mrn).toMatch(DEMO_MRN_PATTERN);
      expect(patient.ref).toMatch(DEMO_PATIENT_REF_PATTERN);
      expect(Number(patient.mrn.slice('DEMO-'.length))).toBe(
        Number(patient.ref.slice('Patient/demo-'.length)),
      );
    }
  });

  it('one reference is always the same person', () => {
    const byRef = new Map<string, string>();
    for (const patient of patients) {
      const key = `${patient.name}|${patient.mrn}|${patient.bed ?? ''}`;
      const seen = byRef.get(patient.ref);
      if (seen) expect(seen).toBe(key);
      byRef.set(patient.ref, key);
    }
  });

  it('no patient name shares a word with the demo staff, so a log check cannot confuse them', () => {
    const staffWords = new Set(DEMO_STAFF.flatMap((s) => s.name.split(/[\s.]+/)).filter((w) => w.length > 2));
    for (const word of [...FIRST_NAMES, ...FAMILY_NAMES]) expect(staffWords.has(word)).toBe(false);
  });

  it('free text never quotes a patient name or MRN', () => {
    const nameWords = new Set([...FIRST_NAMES, ...FAMILY_NAMES]);
    const offenders: string[] = [];
    let texts = 0;
    for (const event of events) {
      const text =
        event.type === 'wardline.task.routed' || event.type === 'wardline.exception.raised'
          ? `${event.data.title} ${event.data.detail ?? ''}`
          : event.type === 'wardline.task.cancelled'
            ? event.data.reason
            : '';
      if (text !== '') texts += 1;
      if (/DEMO-\d/.test(text) || text.split(/[\s.,:;()]+/).some((w) => nameWords.has(w)))
        offenders.push(event.id);
    }
    expect(texts).toBeGreaterThan(1_000);
    expect(offenders).toEqual([]);
  });
});
