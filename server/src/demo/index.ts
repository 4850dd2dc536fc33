/** The demo hospital: a seeded, deterministic source of realistic inbound events for development. */
export { createDemoFeed, countStatuses, DEFAULT_BACKLOG_BATCH_SIZE } from './feed';
export type { DemoFeed, DemoFeedOptions } from './feed';
export { startDemoFeed, utcOffsetMinutes } from './start';
export type { StartDemoFeedOptions } from './start';
export {
  DEFAULT_BACKLOG_SIZE,
  DEMO_SOURCE,
  DemoHospital,
  createDemoHospital,
  generateEvents,
} from './simulator';
export type { DemoEvent, DemoHospitalOptions } from './simulator';
export {
  Census,
  DEMO_HOSPITAL_UNITS,
  DEMO_MRN_PATTERN,
  DEMO_PATIENT_REF_PATTERN,
  FAMILY_NAMES,
  FIRST_NAMES,
  bedLabel,
} from './hospital';
export type { DemoPatient, DemoUnit, Specialty } from './hospital';
export { createRandom, normalizeSeed } from './random';
export type { Random } from './random';
