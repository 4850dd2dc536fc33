/**
 * The beds from `from` to `to` in the board's order, whichever way round they were chosen: "4W-06 to
 * 4W-01" means the same six beds. Empty when either is not a bed of the board.
 */
export function bedsBetween(beds: readonly string[], from: string, to: string): string[] {
  const a = beds.indexOf(from);
  const b = beds.indexOf(to);
  if (a < 0 || b < 0) return [];
  return beds.slice(Math.min(a, b), Math.max(a, b) + 1);
}

/** "4W-01 to 4W-06", or one bed's name. */
export function rangeWords(beds: readonly string[]): string {
  if (beds.length === 0) return '';
  return beds.length === 1 ? beds[0]! : `${beds[0]} to ${beds.at(-1)}`;
}
