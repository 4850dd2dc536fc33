import type { Random } from './random';

/**
 * The demo hospital's wards and the fictional people in their beds. Everything here is made up on
 * purpose and looks it: patient names are joined from two small lists of nature words and whimsy, MRNs
 * start with `DEMO-`, patient references with `Patient/demo-`, so nobody mistakes a screenshot for a
 * real chart and a log check can find any of them with one pattern.
 */

export type Specialty = 'medical' | 'surgical' | 'critical-care';

export interface DemoUnit {
  /** The unit code used on tasks, in the staff directory and in bed labels. */
  code: string;
  name: string;
  specialty: Specialty;
  beds: number;
  /** Share of beds occupied at the start of the morning. */
  occupancy: number;
  /** How busy the unit is relative to the others: a share of the morning backlog and of live events. */
  workload: number;
}

/** Fixed so the demo staff directory, screenshots and docs agree on the same three wards. */
export const DEMO_HOSPITAL_UNITS: readonly DemoUnit[] = [
  { code: '4W', name: '4 West Medical', specialty: 'medical', beds: 28, occupancy: 0.93, workload: 0.4 },
  { code: '5E', name: '5 East Surgical', specialty: 'surgical', beds: 24, occupancy: 0.9, workload: 0.35 },
  {
    code: 'ICU',
    name: 'Intensive Care',
    specialty: 'critical-care',
    beds: 20,
    occupancy: 0.85,
    workload: 0.25,
  },
];

// prettier-ignore
export const FIRST_NAMES: readonly string[] = [
  'Juniper', 'Clover', 'Rowan', 'Hazel', 'Basil', 'Marigold', 'Linden', 'Wren',
  'Tansy', 'Yarrow', 'Briar', 'Aster', 'Pip', 'Barnaby', 'Odette', 'Ignatius',
  'Perpetua', 'Mungo', 'Tabitha', 'Cosmo', 'Philippa', 'Ambrose', 'Petunia', 'Thaddeus',
];

// prettier-ignore
export const FAMILY_NAMES: readonly string[] = [
  'Marsh', 'Thistlewood', 'Bramblecote', 'Puddleby', 'Fernhollow', 'Mossbank', 'Larkmeadow', 'Pebblebrook',
  'Willowmere', 'Hedgerow', 'Nettlefield', 'Brackenridge', 'Dapplegate', 'Quillfeather', 'Cobblestone',
  'Tumbleweed', 'Foxglove', 'Mistlebrook', 'Starling', 'Hollyhock', 'Oakhollow', 'Rushwater',
  'Crumblewick', 'Saltmarsh',
];

/** Every demo MRN matches this; the log check and the tests rely on it. */
export const DEMO_MRN_PATTERN = /^DEMO-\d{6}$/;
export const DEMO_PATIENT_REF_PATTERN = /^Patient\/demo-\d+$/;

export interface DemoPatient {
  ref: string;
  name: string;
  mrn: string;
  unit: string;
  bed: string;
}

/** `4W-07`: the unit code and a two-digit bed number, as on the ward's whiteboard. */
export function bedLabel(unit: string, bed: number): string {
  return `${unit}-${String(bed).padStart(2, '0')}`;
}

export function mrnFor(patientNumber: number): string {
  return `DEMO-${String(patientNumber).padStart(6, '0')}`;
}

export function patientRefFor(patientNumber: number): string {
  return `Patient/demo-${patientNumber}`;
}

/**
 * Who lies in which bed. Beds fill in unit order at the start of the morning; a bed is later given to
 * a new admission when its patient has gone home (`readmitBed`). Patient numbers only ever grow, so a
 * reference or MRN is never reused for a different person.
 */
export class Census {
  readonly units: readonly DemoUnit[];
  private readonly random: Random;
  private readonly byBed = new Map<string, DemoPatient>();
  private nextPatientNumber: number;

  constructor(random: Random, units: readonly DemoUnit[] = DEMO_HOSPITAL_UNITS) {
    this.random = random;
    this.units = units;
    // A seed-dependent starting number, so two seeds do not hand out the same MRNs to different names.
    this.nextPatientNumber = random.int(100, 8_999);
    for (const unit of units) {
      for (let n = 1; n <= unit.beds; n++) {
        if (random.chance(unit.occupancy)) this.admit(unit.code, bedLabel(unit.code, n));
      }
    }
  }

  /** The patients of one unit (or of the whole hospital), in bed order. */
  occupants(unitCode?: string): DemoPatient[] {
    const all = [...this.byBed.values()];
    return unitCode === undefined ? all : all.filter((p) => p.unit === unitCode);
  }

  patientInBed(bed: string): DemoPatient | undefined {
    return this.byBed.get(bed);
  }

  /** The patient in `bed` went home: a new one is admitted to it and returned. */
  readmitBed(bed: string): DemoPatient {
    const previous = this.byBed.get(bed);
    if (!previous) throw new RangeError(`bed ${bed} is empty`);
    // Map.set on an existing key keeps its place, so occupants() stays in bed order.
    return this.admit(previous.unit, bed);
  }

  private admit(unit: string, bed: string): DemoPatient {
    const number = this.nextPatientNumber++;
    const patient: DemoPatient = {
      ref: patientRefFor(number),
      name: `${this.random.pick(FIRST_NAMES)} ${this.random.pick(FAMILY_NAMES)}`,
      mrn: mrnFor(number),
      unit,
      bed,
    };
    this.byBed.set(bed, patient);
    return patient;
  }
}
