/**
 * The row of unit buttons above a per-unit board (Beds, Who holds what) for someone on several units;
 * nothing for someone on one.
 */
export function UnitSwitch({
  units,
  unit,
  onChange,
}: {
  units: readonly string[];
  unit: string | undefined;
  onChange: (unit: string) => void;
}) {
  if (units.length <= 1) return null;
  return (
    <div className="unit-switch" role="group" aria-label="Unit">
      {units.map((u) => (
        <button
          key={u}
          type="button"
          className={u === unit ? 'btn btn-primary' : 'btn'}
          aria-pressed={u === unit}
          onClick={() => onChange(u)}
        >
          {u}
        </button>
      ))}
    </div>
  );
}
