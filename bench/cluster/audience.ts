/**
 * Who the `npm run bench:cluster` clients are, and which unit each ingested change belongs to
 * (BENCHMARKS.md "Several relays", the arithmetic).
 *
 * - `hospital` (the default): the devices of a hospital spread over its units, as they are in life. The
 *   first three units are the demo hospital's wards (4W, 5E, ICU; server/src/demo/hospital.ts), the rest
 *   are more wards like them (W04…). Each unit has its nurses and charge nurses (one device in eight); a
 *   few bed-flow coordinators each follow five units and two house supervisors follow all of them. Every
 *   device is its own person (tests/helpers/ward-staff.ts signs their tokens with the development key).
 *   Changes are ingested round-robin over the units, so one change reaches its unit's devices plus the
 *   coordinators and supervisors who follow that unit.
 * - `one-unit` (the stress shape of the first runs): every device is a 4W nurse or its charge nurse
 *   (demo staff), every change is on 4W, so every change goes to every device.
 */
import { DEMO_HOSPITAL_UNITS } from '../../server/src/demo/hospital';
import type { WardStaff } from '../../tests/helpers/ward-staff';

export type AudienceShape = 'hospital' | 'one-unit';

/** One client: a demo staff id (the dev issuer's `/dev/token`), or a ward person signed by the bench. */
export interface Device {
  staffId: string;
  person?: WardStaff;
}

export interface Audience {
  shape: AudienceShape;
  units: string[];
  /** Measured first (`measured` of them, nurses spread over the units), then the load processes' share. */
  devices: Device[];
  /** The unit of the `n`th change ingested. */
  unitOf(n: number): string;
  /** How many of `devices` can see a change on `unit` (every ingested change is a discharge task). */
  audienceOf(unit: string): number;
}

const COORDINATOR_SPAN = 5;
const SUPERVISORS = 2;
const CHARGE_EVERY = 8;

export function unitCodes(count: number): string[] {
  const demo = DEMO_HOSPITAL_UNITS.map((u) => u.code);
  return Array.from({ length: count }, (_, i) => demo[i] ?? `W${String(i + 1).padStart(2, '0')}`);
}

export function buildAudience(shape: AudienceShape, total: number, unitCount: number): Audience {
  if (shape === 'one-unit') {
    const people = ['nurse-okafor', 'nurse-brightwater', 'charge-4w-marchbank'];
    return {
      shape,
      units: ['4W'],
      devices: Array.from({ length: total }, (_, i) => ({ staffId: people[i % people.length]! })),
      unitOf: () => '4W',
      audienceOf: () => total,
    };
  }
  const units = unitCodes(unitCount);
  const followers: WardStaff[] = [];
  for (let c = 0; c * COORDINATOR_SPAN < units.length; c++) {
    const span = units.slice(c * COORDINATOR_SPAN, (c + 1) * COORDINATOR_SPAN);
    followers.push({ id: `bench-coordinator-${c + 1}`, role: 'Coordinator', units: span });
  }
  for (let s = 0; s < SUPERVISORS; s++)
    followers.push({ id: `bench-supervisor-${s + 1}`, role: 'Supervisor', units: [...units] });
  // Unit staff round-robin over the units, so the measured prefix and every load process get all units.
  const onUnits = Math.max(units.length, total - followers.length);
  const devices: Device[] = [];
  for (let i = 0; i < onUnits; i++) {
    const unit = units[i % units.length]!;
    const k = Math.floor(i / units.length);
    const role = k % CHARGE_EVERY === CHARGE_EVERY - 1 ? 'ChargeNurse' : 'Nurse';
    const id = `bench-${role === 'Nurse' ? 'nurse' : 'charge'}-${unit}-${k + 1}`;
    devices.push({ staffId: id, person: { id, role, units: [unit] } });
  }
  devices.push(
    ...followers.slice(0, Math.max(0, total - onUnits)).map((p) => ({ staffId: p.id, person: p })),
  );
  const count = new Map<string, number>();
  for (const d of devices) for (const u of d.person!.units) count.set(u, (count.get(u) ?? 0) + 1);
  return {
    shape,
    units,
    devices,
    unitOf: (n) => units[n % units.length]!,
    audienceOf: (unit) => count.get(unit) ?? 0,
  };
}

/** Deliveries per second the run asks for: each change times the devices that may see it. */
export function deliveriesPerSecond(audience: Audience, rate: number): number {
  const perChange =
    audience.units.reduce((sum, unit) => sum + audience.audienceOf(unit), 0) / audience.units.length;
  return rate * perChange;
}
