import type { StaffRef } from './task';

/**
 * Times in messages are wall-clock times on the ward ("10:42"), in the hospital's time zone.
 * Intl is part of the language, not I/O, so this stays pure.
 */
export function clock(iso: string | null, timeZone = 'UTC'): string {
  if (!iso) return 'an unknown time';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return 'an unknown time';
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone,
  }).format(date);
}

export function who(ref: StaffRef | null | undefined): string {
  return ref?.name || 'someone else';
}
