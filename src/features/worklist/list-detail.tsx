import type { ReactNode } from 'react';
import { useOutlet } from 'react-router';

/**
 * A list with the selected task beside it. Phones show one or the other (the task replaces the list,
 * with a way back); tablets show both side by side; desktops give the table the width until a task is
 * opened. The same markup for all three: the layout is CSS, keyed on `has-detail`.
 */
export function ListDetail({ list }: { list: ReactNode }) {
  const detail = useOutlet();
  return (
    <div className={detail ? 'list-detail has-detail' : 'list-detail'}>
      <div className="list-pane">{list}</div>
      <div className="detail-pane">
        {detail ?? (
          <p className="detail-placeholder">Choose a task from the list to see its details and actions.</p>
        )}
      </div>
    </div>
  );
}
