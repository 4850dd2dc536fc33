import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../../domain';
import { changeWords, escalatedWords, historyActor, sourceName } from './history-words';

describe('history words', () => {
  it.each([
    ['urn:wardline:demo:lab', 'Lab system'],
    ['https://lis.stmarys.example/feed', 'Lab system'],
    ['urn:wardline:demo:ehr', 'Patient record (EHR)'],
    ['/middleware/worklist-router', 'Interface engine'],
    ['urn:example:interface-engine', 'Interface engine'],
    ['urn:hospital:pharmacy', 'Pharmacy system'],
    ['urn:wardline:test', 'Upstream system'],
    ['urn:collaborative:notes', 'Upstream system'],
    [null, 'Upstream system'],
  ])('the source %s reads as "%s"', (source, name) => {
    expect(sourceName(source)).toBe(name);
  });

  it('an upstream change credits its source system, never "Wardline" as a person', () => {
    const entry = { change: 'progress', actor: SYSTEM, detail: 'urn:wardline:demo:lab' };
    expect(historyActor(entry)).toBe('Lab system');
    expect(historyActor({ ...entry, change: 'escalated', detail: 'level 1: ChargeNurse (unit)' })).toBe(
      'Wardline (automatic)',
    );
    expect(historyActor({ ...entry, actor: { id: 'oid-1', name: 'R. Okafor' } })).toBe('R. Okafor');
  });

  it('the escalation timer reads as who was told, with the level', () => {
    expect(escalatedWords('level 1: ChargeNurse (unit)', '4W')).toBe(
      'Escalated to the charge nurse of 4W (level 1)',
    );
    expect(escalatedWords('level 2 (repeat 1): Supervisor (hospital)', '4W')).toBe(
      'Escalated to the house supervisor (level 2, repeat 1)',
    );
    // A person's escalation keeps the reason they typed.
    expect(changeWords('escalated', 'Patient deteriorating', null)).toBe('Escalated: Patient deteriorating');
  });
});
