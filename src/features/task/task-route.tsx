import { useLocation, useParams } from 'react-router';
import { VIEW_LINKS } from '../../app/navigation';
import type { ViewId } from '../../state/ui-store';
import { TaskDetail } from './task-detail';

/** `/<view>/:taskId`: the task beside (tablet, desktop) or instead of (phone) its list. */
export function PanelComponent({ view }: { view: ViewId }) {
  const { taskId } = useParams();
  // Back to the list with its quick filters (`?unit=4W`): they are the list's, kept in the URL.
  const { search } = useLocation();
  const link = VIEW_LINKS[view];
  if (!taskId) return null;
  return (
    <TaskDetail key={taskId} taskId={taskId} back={{ to: `${link.path}${search}`, label: link.label }} />
  );
}

/** `/tasks/:taskId`: a task on its own page (a link shared in a handover, a notification). */
export function Component() {
  const { taskId } = useParams();
  if (!taskId) return null;
  return (
    <div className="task-page">
      <TaskDetail key={taskId} taskId={taskId} standalone />
    </div>
  );
}
