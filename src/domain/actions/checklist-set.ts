import { z } from 'zod';
import { reject } from '../results';
import { leads, mayWork } from '../visibility';
import { SYSTEM } from '../task';
import { defineAction, staffRef, unchanged } from './action';
import { mustOwnOrLead, notYourRole } from './guards';

/** Tick or untick one checklist item. Ticking an item of claimed work starts it. */
export const checklistSet = defineAction({
  type: 'checklist.set',
  payload: z.object({ itemId: z.string().min(1).max(200), done: z.boolean() }).strict(),
  apply(task, payload, actor, ctx) {
    if (task.checklist.length === 0) return reject('invalid', 'This task has no checklist.');
    const item = task.checklist.find((i) => i.id === payload.itemId);
    if (!item) return reject('invalid', 'That checklist item is not on this task any more.');
    if (!task.owner && !leads(task, actor)) {
      // Unclaimed work is claimed first, so that two nurses never tick the same list unknowingly.
      return mayWork(task, actor)
        ? reject('invalid', 'Claim this task before working its checklist.')
        : notYourRole(task, 'work');
    }
    const refused = mustOwnOrLead(task, actor, ctx, 'change the checklist of');
    if (refused) return refused;
    // A person's tick of an item upstream has ticked meanwhile (an offline tick overtaken by a newer
    // revision) keeps its person: the credit moves from the system to the nurse, the item stays done.
    const overtaken = payload.done && item.done && item.doneBy?.id === SYSTEM.id;
    if (item.done === payload.done && !overtaken) return unchanged(task);
    const checklist = task.checklist.map((i) =>
      i.id === item.id
        ? {
            ...i,
            done: payload.done,
            doneBy: payload.done ? staffRef(actor) : null,
            doneAt: payload.done ? ctx.now : null,
          }
        : i,
    );
    return {
      status: 'applied',
      task: { ...task, checklist, status: task.status === 'accepted' ? 'in-progress' : task.status },
      change: payload.done ? 'item-done' : 'item-undone',
      detail: item.id,
    };
  },
});
