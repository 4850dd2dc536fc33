import { useId } from 'react';
import { requiredItemsOpen, SYSTEM, type Task } from '../../domain';
import type { Execute } from '../../app/session';
import { clockTime } from '../shared/format';

/**
 * The checklist item by item, with who ticked each and when. Each item is a checkbox only where the
 * relay would accept the tick; otherwise it is read-only text, with one line saying why.
 */
export function Checklist({
  task,
  editable,
  blockedBy,
  execute,
}: {
  task: Task;
  editable: ReadonlySet<string>;
  blockedBy: string | null;
  execute: Execute;
}) {
  const headingId = useId();
  const done = task.checklist.filter((i) => i.done).length;
  const openRequired = requiredItemsOpen(task).length;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>Checklist</h3>
      <p className="muted">
        {done} of {task.checklist.length} done
        {openRequired > 0 ? ` · ${openRequired} required still open` : ' · every required item done'}
      </p>
      {blockedBy && <p className="note">{blockedBy}</p>}
      <ul className="checklist">
        {task.checklist.map((item) => {
          // A tick the source system reported is not a person's: "Done upstream at 09:02" (L4).
          const by = item.doneBy?.id === SYSTEM.id ? 'upstream' : `by ${item.doneBy?.name ?? ''}`;
          const who = item.done && item.doneBy ? `${by} at ${clockTime(item.doneAt)}` : null;
          return (
            <li key={item.id} className={item.done ? 'check-item is-done' : 'check-item'}>
              {editable.has(item.id) ? (
                <label className="check">
                  <input
                    type="checkbox"
                    checked={item.done}
                    onChange={(e) =>
                      void execute(task.id, 'checklist.set', { itemId: item.id, done: e.target.checked })
                    }
                  />
                  <span className="check-label">{item.label}</span>
                </label>
              ) : (
                <span className="check readonly">
                  <span aria-hidden="true" className="check-box">
                    {item.done ? '✓' : ''}
                  </span>
                  <span className="check-label">{item.label}</span>
                  <span className="sr-only">{item.done ? ', done' : ', not done'}</span>
                </span>
              )}
              <span className="check-facts">
                {item.required ? (
                  <span className="badge required">Required</span>
                ) : (
                  <span className="muted">Optional</span>
                )}
                {who && <span className="who">Done {who}</span>}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
