import type { BedCoverage } from '../../data/coverage';

/**
 * [A-P7] The coverage warning's beds: "Beds without a nurse: 4W-07, 4W-08" per unit, and the beds whose
 * assignment ended at the shift change and that nobody has taken again. Items of a detail list, so the
 * warning can show them beside its role gaps however it lays itself out.
 */
export function bedCoverageLines(beds: readonly BedCoverage[]): string[] {
  const lines: string[] = [];
  const several = new Set(beds.map((b) => b.unit)).size > 1;
  for (const unit of beds) {
    const on = several ? ` on ${unit.unit}` : '';
    const ended = unit.ended.filter((b) => unit.unassigned.includes(b));
    const open = unit.unassigned.filter((b) => !ended.includes(b));
    if (open.length > 0) lines.push(`Beds without a nurse${on}: ${open.join(', ')}`);
    if (ended.length > 0) lines.push(`Assignment ended at shift change${on}: ${ended.join(', ')}`);
  }
  return lines;
}

export function BedsWithoutNurse({ beds }: { beds: readonly BedCoverage[] }) {
  const lines = bedCoverageLines(beds);
  if (lines.length === 0) return null;
  return (
    <ul className="coverage-beds">
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}
