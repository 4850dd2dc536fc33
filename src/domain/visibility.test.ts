import { describe, expect, test } from 'vitest';
import type { Principal } from './principal';
import { NO_ESCALATION, type Task } from './task';
import { leads, visibleTo } from './visibility';
import {
  aResult,
  aTask,
  admin,
  anException,
  chargeNurse,
  coordinator,
  ingest,
  nurse,
  nurse5E,
  okafor,
  ownedBy,
  ref,
  supervisor,
} from './testing/fixtures';

const discharge4W = aTask();
const discharge5E = aTask({ id: 'task-5e-bed3-discharge', unit: '5E' });
const dischargeICU = aTask({ id: 'task-icu-bed2-discharge', unit: 'ICU' });
const result4W = aResult();
const exception4W = anException();
const exceptionICU = anException({ unit: 'ICU' });
const followUp4W = aTask({ id: 'fu-4w-bed9', kind: 'follow-up', checklist: [] });
const followUpForCoordinators = aTask({
  id: 'fu-4w-bed9-coord',
  kind: 'follow-up',
  candidateRoles: ['Coordinator'],
});
const supervisorOnly4W = aTask({ id: 'task-4w-bedmgmt', kind: 'follow-up', candidateRoles: ['Supervisor'] });
const discharge3N = aTask({ id: 'task-3n-bed1', unit: '3N' });

interface Case {
  who: string;
  principal: Principal;
  task: Task;
  what: string;
  sees: boolean;
}

const cases: Case[] = [
  // Nurses: their units' work routed to nurses, and whatever they own.
  {
    who: 'nurse of 4W',
    principal: nurse,
    what: '4W discharge routed to nurses',
    task: discharge4W,
    sees: true,
  },
  { who: 'nurse of 4W', principal: nurse, what: '4W critical result', task: result4W, sees: true },
  { who: 'nurse of 4W', principal: nurse, what: '5E discharge', task: discharge5E, sees: false },
  {
    who: 'nurse of 4W',
    principal: nurse,
    what: '4W exception routed to coordinators',
    task: exception4W,
    sees: false,
  },
  {
    who: 'nurse of 4W',
    principal: nurse,
    what: '4W work routed to supervisors only',
    task: supervisorOnly4W,
    sees: false,
  },
  { who: 'nurse of 5E', principal: nurse5E, what: '4W discharge', task: discharge4W, sees: false },
  {
    who: 'nurse of 5E',
    principal: nurse5E,
    what: '4W discharge she owns',
    task: ownedBy(nurse5E),
    sees: true,
  },
  {
    who: 'nurse of 4W',
    principal: nurse,
    what: '4W exception she was given',
    task: anException({ owner: ref(nurse) }),
    sees: true,
  },
  {
    who: 'nurse of 4W',
    principal: okafor,
    what: '4W discharge a colleague owns',
    task: ownedBy(nurse),
    sees: true,
  },

  // Charge nurses: everything on their units, escalations included; nothing elsewhere.
  { who: 'charge nurse of 4W', principal: chargeNurse, what: '4W discharge', task: discharge4W, sees: true },
  {
    who: 'charge nurse of 4W',
    principal: chargeNurse,
    what: '4W critical result',
    task: result4W,
    sees: true,
  },
  { who: 'charge nurse of 4W', principal: chargeNurse, what: '4W exception', task: exception4W, sees: true },
  {
    who: 'charge nurse of 4W',
    principal: chargeNurse,
    what: '4W supervisor-only work',
    task: supervisorOnly4W,
    sees: true,
  },
  {
    who: 'charge nurse of 4W',
    principal: chargeNurse,
    what: '4W escalated result',
    task: aResult({ escalation: { ...NO_ESCALATION, level: 2, nextAt: null, lastAt: null, reason: null } }),
    sees: true,
  },
  { who: 'charge nurse of 4W', principal: chargeNurse, what: '5E discharge', task: discharge5E, sees: false },

  // Coordinators: discharge work and exceptions across their units, and work routed to them.
  { who: 'coordinator', principal: coordinator, what: '4W discharge', task: discharge4W, sees: true },
  { who: 'coordinator', principal: coordinator, what: '5E discharge', task: discharge5E, sees: true },
  { who: 'coordinator', principal: coordinator, what: 'ICU discharge', task: dischargeICU, sees: true },
  { who: 'coordinator', principal: coordinator, what: '4W exception', task: exception4W, sees: true },
  { who: 'coordinator', principal: coordinator, what: 'ICU exception', task: exceptionICU, sees: true },
  { who: 'coordinator', principal: coordinator, what: '4W critical result', task: result4W, sees: false },
  {
    who: 'coordinator',
    principal: coordinator,
    what: '4W follow-up for nurses',
    task: followUp4W,
    sees: false,
  },
  {
    who: 'coordinator',
    principal: coordinator,
    what: '4W follow-up routed to coordinators',
    task: followUpForCoordinators,
    sees: true,
  },
  {
    who: 'coordinator',
    principal: coordinator,
    what: 'discharge on a unit not theirs (3N)',
    task: discharge3N,
    sees: false,
  },

  // The house supervisor: everything on every unit they cover.
  { who: 'supervisor', principal: supervisor, what: '4W critical result', task: result4W, sees: true },
  { who: 'supervisor', principal: supervisor, what: 'ICU exception', task: exceptionICU, sees: true },
  { who: 'supervisor', principal: supervisor, what: '5E discharge', task: discharge5E, sees: true },

  // Admin and integration accounts see no patient work, even with unit membership or routed to them.
  { who: 'admin', principal: admin, what: '4W discharge', task: discharge4W, sees: false },
  { who: 'admin', principal: admin, what: '4W exception', task: exception4W, sees: false },
  { who: 'ingest account', principal: ingest, what: '4W critical result', task: result4W, sees: false },
  {
    who: 'admin listed on 4W',
    principal: { ...admin, units: ['4W'] },
    what: '4W discharge',
    task: discharge4W,
    sees: false,
  },
  {
    who: 'admin listed on 4W',
    principal: { ...admin, units: ['4W'] },
    what: '4W work routed to admins',
    task: aTask({ candidateRoles: ['Admin'] }),
    sees: false,
  },
  {
    who: 'ingest account listed on 4W',
    principal: { ...ingest, units: ['4W'] },
    what: '4W work routed to Ingest',
    task: aTask({ candidateRoles: ['Ingest'] }),
    sees: false,
  },
];

describe('visibleTo', () => {
  test.each(cases.map((c) => [`${c.who} ${c.sees ? 'sees' : 'does not see'} ${c.what}`, c] as const))(
    '%s',
    (_title, { principal, task, sees }) => {
      expect(visibleTo(task, principal)).toBe(sees);
    },
  );

  test('a unit move takes effect at once: the directory’s units, not the token, decide', () => {
    expect(visibleTo(discharge4W, { ...nurse, units: ['5E'] })).toBe(false);
    expect(visibleTo(discharge5E, { ...nurse, units: ['5E'] })).toBe(true);
  });

  test('someone with a clinical role as well as Admin sees that role’s work', () => {
    expect(visibleTo(discharge4W, { ...nurse, roles: ['Admin', 'Nurse'] })).toBe(true);
  });
});

describe('leads (may reassign, release for others, resolve others’ work)', () => {
  test.each([
    ['charge nurse of 4W', 'a 4W critical result', true, chargeNurse, result4W],
    ['supervisor', 'a 4W critical result', true, supervisor, result4W],
    ['coordinator', 'a 4W discharge', true, coordinator, discharge4W],
    ['coordinator', 'a 4W exception', true, coordinator, exception4W],
    ['coordinator', 'a 4W critical result', false, coordinator, result4W],
    ['nurse of 4W', 'a 4W discharge', false, nurse, discharge4W],
    ['charge nurse of 4W', 'a 5E discharge', false, chargeNurse, discharge5E],
  ] as const)('%s leads %s: %s', (_who, _what, expected, principal, task) => {
    expect(leads(task, principal)).toBe(expected);
  });
});
